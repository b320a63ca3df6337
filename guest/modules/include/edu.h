/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The QEMU edu device's DMA engine (QEMU docs/specs/edu.rst), shared by the
 * test modules in guest/modules/. A transfer runs 100 ms (virtual time)
 * after its command, between RAM at a DMA address and edu's 4 KiB buffer.
 */
#ifndef VTD_EDU_H
#define VTD_EDU_H

#include <linux/io.h>
#include <linux/types.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_CMD_RUN		0x1
#define EDU_CMD_TO_RAM		0x2
#define EDU_BUF			0x40000		/* device address of its buffer */
#define EDU_BUF_SIZE		4096
#define EDU_DMA_BITS		28		/* edu's default dma_mask */
#define EDU_LATENCY_US		100000		/* command to transfer */

/* Start a transfer of @cnt bytes from @src to @dst (EDU_CMD_TO_RAM: to RAM) */
static inline void edu_dma_start(void __iomem *bar, u64 src, u64 dst, u32 cnt,
				 u64 cmd)
{
	writeq(src, bar + EDU_REG_DMA_SRC);
	writeq(dst, bar + EDU_REG_DMA_DST);
	writeq(cnt, bar + EDU_REG_DMA_CNT);
	writeq(EDU_CMD_RUN | cmd, bar + EDU_REG_DMA_CMD);
}

static inline bool edu_dma_busy(void __iomem *bar)
{
	return readq(bar + EDU_REG_DMA_CMD) & EDU_CMD_RUN;
}

#endif
