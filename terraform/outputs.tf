output "vm_addresses" {
  description = "IPv4 address of each VM, keyed by role."
  value       = { for name, vm in module.vm : name => vm.ipv4_address }
}
