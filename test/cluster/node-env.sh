# The real node's fixed names and addresses; sourced by cluster-up.sh, node-up.sh and node-down.sh.
# The node lives in a network namespace of its own, joined to this machine by a veth pair, so its kubelet
# gets a non-loopback InternalIP that the apiserver can dial and no traffic ever leaves this machine.
NODE_NAME=autolabs-node-0
NODE_NETNS=autolabs-node
NODE_VETH_HOST=alnode-host           # host end (interface names are at most 15 characters)
NODE_HOST_IP=172.31.255.1            # this machine, as the node sees it: apiserver (DNAT) and registry
NODE_IP=172.31.255.2                 # the node's InternalIP (kubelet on :10250)
NODE_POD_CIDR=10.245.0.0/24          # KWOK's fake pods use 10.244.0.0/16
NODE_DNS_IP=10.96.0.10               # kube-dns Service in the cluster's 10.96.0.0/16 service range
NODE_NFT_TABLE=autolabs_node         # host nftables table holding the apiserver DNAT
NODE_TAINT_KEY=autolabs.io/real-node # NoSchedule: only pods that tolerate it land on the real node
