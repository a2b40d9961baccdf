print("iscsi_tgt: not built yet")
