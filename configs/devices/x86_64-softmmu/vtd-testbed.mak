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
# QEMU 10.2+ with --without-default-devices: ACPI_X86 selects ACPI_CXL, whose
# hw/acpi/cxl.c calls hw/cxl (cxl_fmws_get_all_sorted, no stub), and hw/cxl
# calls the type-3 device (cxl_type3_read, ...); NVMe calls the SPDM socket
# backend (spdm_socket_*). CXL (on PXB), CXL_MEM_DEVICE and SPDM_SOCKET are
# only "default y", so without them the link fails.
CONFIG_PXB=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
CONFIG_SPDM_SOCKET=y
