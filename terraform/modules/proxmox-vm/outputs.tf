output "ipv4_address" {
  value = split("/", var.ipv4_address)[0]
}

output "vm_id" {
  value = proxmox_virtual_environment_vm.this.vm_id
}
