terraform {
  required_version = ">= 1.6"
  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.66"
    }
  }
}

# Endpoint and API token are read from PROXMOX_VE_ENDPOINT / PROXMOX_VE_API_TOKEN.
provider "proxmox" {
  insecure = var.proxmox_insecure
}
