variable "environment" {
  description = "dev, stage or prod: used in VM names and tags."
  type        = string

  validation {
    condition     = contains(["dev", "stage", "prod"], var.environment)
    error_message = "The environment must be dev, stage or prod (environments/<name>.tfvars)."
  }
}

variable "proxmox_node" {
  description = "Proxmox node that hosts the VMs."
  type        = string
}

variable "proxmox_insecure" {
  description = "Skip TLS verification of the Proxmox API (self-signed lab hypervisors)."
  type        = bool
  default     = false
}

variable "template_vm_id" {
  description = "VM id of the cloud-init Debian template to clone."
  type        = number
}

variable "datastore" {
  description = "Datastore for VM disks."
  type        = string
  default     = "local-lvm"
}

variable "bridge" {
  description = "Linux bridge the VMs attach to, created here: environments sharing a Proxmox node need one each."
  type        = string
  default     = "vmbr1"

  validation {
    condition     = can(regex("^vmbr[0-9]+$", var.bridge))
    error_message = "Proxmox names Linux bridges vmbrN, e.g. vmbr1."
  }
}

variable "network_cidr" {
  description = "Subnet of the bridge; VM addresses are host numbers inside it."
  type        = string

  validation {
    condition     = can(cidrhost(var.network_cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", var.network_cidr))
    error_message = "The network must be an IPv4 CIDR such as 10.20.0.0/24."
  }
}

variable "gateway" {
  description = "Default gateway of the subnet."
  type        = string
}

variable "ssh_public_keys" {
  description = "Keys allowed to log in as the cloud-init user."
  type        = list(string)
}

variable "vms" {
  description = "VMs to create, keyed by role name."
  type = map(object({
    host_number = number
    cores       = number
    memory_mb   = number
    disk_gb     = number
    tags        = list(string)
  }))

  validation {
    condition     = length(distinct([for vm in values(var.vms) : vm.host_number])) == length(var.vms)
    error_message = "Two VMs have the same host_number, so the same address."
  }

  # Host 1 is the bridge's own address (networks.tf).
  validation {
    condition     = alltrue([for vm in values(var.vms) : vm.host_number >= 2 && vm.host_number <= 254])
    error_message = "host_number must be from 2 to 254: 1 is the bridge's address."
  }
}
