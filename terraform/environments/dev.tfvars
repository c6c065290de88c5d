# Phase 1: one Kubernetes node runs the platform and the labs; minimal resources.
environment      = "dev"
proxmox_node     = "pve"
proxmox_insecure = true
template_vm_id   = 9000
bridge           = "vmbr1"
network_cidr     = "10.20.0.0/24"
gateway          = "10.20.0.1"
ssh_public_keys  = []

vms = {
  database = { host_number = 10, cores = 4, memory_mb = 8192, disk_gb = 200, tags = ["database"] }
  k8s-1    = { host_number = 21, cores = 12, memory_mb = 16384, disk_gb = 100, tags = ["k8s", "control-plane", "worker"] }
}
