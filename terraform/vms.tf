module "vm" {
  source   = "./modules/proxmox-vm"
  for_each = var.vms

  name            = "autolabs-${var.environment}-${each.key}"
  node_name       = var.proxmox_node
  template_vm_id  = var.template_vm_id
  datastore       = var.datastore
  bridge          = proxmox_virtual_environment_network_linux_bridge.autolabs.name
  ipv4_address    = "${cidrhost(var.network_cidr, each.value.host_number)}/${split("/", var.network_cidr)[1]}"
  gateway         = var.gateway
  cores           = each.value.cores
  memory_mb       = each.value.memory_mb
  disk_gb         = each.value.disk_gb
  tags            = concat(["autolabs", var.environment], each.value.tags)
  ssh_public_keys = var.ssh_public_keys
}
