# Stage: prod's layout at a smaller size, where an upgrade is tried before prod: a database VM, a separate
# control plane and one worker for labs. GitLab (CI and the registry) is prod's VM, shared by every environment.
environment     = "stage"
proxmox_node    = "pve"
template_vm_id  = 9000
bridge          = "vmbr2"
network_cidr    = "10.25.0.0/24"
gateway         = "10.25.0.1"
ssh_public_keys = []

vms = {
  database      = { host_number = 10, cores = 4, memory_mb = 8192, disk_gb = 200, tags = ["database"] }
  k8s-control-1 = { host_number = 20, cores = 4, memory_mb = 4096, disk_gb = 60, tags = ["k8s", "control-plane"] }
  k8s-worker-1  = { host_number = 31, cores = 8, memory_mb = 16384, disk_gb = 100, tags = ["k8s", "worker"] }
}
