variable "environment" {
  description = "Name used in VM names and tags, e.g. dev or prod."
  type        = string
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
  description = "Linux bridge the VMs attach to."
  type        = string
  default     = "vmbr1"
}

variable "network_cidr" {
  description = "Subnet of the bridge; VM addresses are host numbers inside it."
  type        = string
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
}
