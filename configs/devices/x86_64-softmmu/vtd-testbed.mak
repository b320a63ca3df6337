# QEMU device set for the testbed: q35 + VT-d + the DMA-capable devices the
# bench puts behind the IOMMU. Everything else is left out to keep builds short.
CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_BLK=y
CONFIG_E1000E_PCI_EXPRESS=y
CONFIG_EDU=y
CONFIG_NVME_PCI=y
CONFIG_PCIE_PORT=y
CONFIG_TEST_DEVICES=y
