variable "name" { type = string }
variable "node_name" { type = string }
variable "template_vm_id" { type = number }
variable "datastore" { type = string }
variable "bridge" { type = string }
variable "ipv4_address" {
  description = "Address with prefix length, e.g. 10.20.0.10/24."
  type        = string
}
variable "gateway" { type = string }
variable "cores" { type = number }
variable "memory_mb" { type = number }
variable "disk_gb" { type = number }
variable "tags" { type = list(string) }
variable "ssh_public_keys" { type = list(string) }
