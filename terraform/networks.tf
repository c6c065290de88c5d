# A dedicated bridge for the platform and lab traffic, kept apart from the management network.
resource "proxmox_virtual_environment_network_linux_bridge" "autolabs" {
  node_name = var.proxmox_node
  name      = var.bridge
  address   = "${cidrhost(var.network_cidr, 1)}/${split("/", var.network_cidr)[1]}"
  comment   = "AutoLabs ${var.environment}"
}
