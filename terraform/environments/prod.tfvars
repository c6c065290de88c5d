# Phase 2: separate control plane, two workers for labs, a larger database VM, GitLab.
environment     = "prod"
proxmox_node    = "pve"
template_vm_id  = 9000
bridge          = "vmbr3"
network_cidr    = "10.30.0.0/24"
gateway         = "10.30.0.1"
ssh_public_keys = []

vms = {
  gitlab        = { host_number = 5, cores = 4, memory_mb = 8192, disk_gb = 100, tags = ["gitlab"] }
  database      = { host_number = 10, cores = 8, memory_mb = 16384, disk_gb = 200, tags = ["database"] }
  k8s-control-1 = { host_number = 20, cores = 4, memory_mb = 4096, disk_gb = 60, tags = ["k8s", "control-plane"] }
  k8s-worker-1  = { host_number = 31, cores = 8, memory_mb = 16384, disk_gb = 100, tags = ["k8s", "worker"] }
  k8s-worker-2  = { host_number = 32, cores = 8, memory_mb = 16384, disk_gb = 100, tags = ["k8s", "worker"] }
}
