# `tofu test -var-file=environments/<env>.tfvars` plans an environment against a mocked Proxmox provider:
# no hypervisor is reached, but every variable is validated and every expression of the configuration
# evaluated with that environment's values (test/integration/terraform.test.ts runs it for each).
mock_provider "proxmox" {}

run "plan" {
  command = plan

  assert {
    condition     = length(module.vm) == length(var.vms)
    error_message = "One VM module per entry of var.vms."
  }

  assert {
    condition     = alltrue([for role, vm in module.vm : vm.ipv4_address == cidrhost(var.network_cidr, var.vms[role].host_number)])
    error_message = "Each VM's address is its host number inside the environment's network."
  }

  assert {
    condition     = proxmox_virtual_environment_network_linux_bridge.autolabs.address == "${cidrhost(var.network_cidr, 1)}/${split("/", var.network_cidr)[1]}"
    error_message = "The bridge holds host 1 of the network."
  }
}
