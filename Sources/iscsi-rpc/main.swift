print("iscsi-rpc: not built yet")
