/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Canaries for the hostile DMA device (QEMU vtd-hostile, docs/attack.md),
 * shared by the modules that plant them (edu_canary beside edu's DMA,
 * canary_spray beside a workload).
 *
 * A canary is 16 bytes, little-endian: the 8 bytes of a magic ("vtdCnry!"
 * by default), a u32 id (kind << 24 | sequence number of that kind) and a
 * u32 plant time, the ACPI PM timer (24 bits at 3.579545 MHz), so that the
 * device can tell each read's age. With write=on the device writes a
 * 16-byte marker, "vtdMark!" + u32 sequence + u32 0, into pages it probes.
 */
#ifndef VTD_CANARY_H
#define VTD_CANARY_H

#include <linux/acpi.h>
#include <linux/io.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/unaligned.h>

#define CANARY_SIZE		16
#define CANARY_MAGIC_LEN	8
#define CANARY_MARKER		"vtdMark!"
#define CANARY_MARKER_SIZE	16
#define CANARY_PM_HZ		3579545
#define CANARY_PM_MASK		0xffffff

enum { KIND_A = 1, KIND_B, KIND_C, KIND_D, NR_KINDS };

/* The canaries of one place (and round): the host joins these with the reads */
struct canary_range {
	u32 first_id, count;
	u32 plant_tick, open_tick;	/* a read at or after open_tick leaks */
	u64 iova;			/* the mapping's address; 0: none known */
};

/* The FADT's PM timer I/O port; 0 when there is none */
static inline u16 canary_pm_port(void)
{
	struct acpi_generic_address *pm = &acpi_gbl_FADT.xpm_timer_block;

	if (pm->address && pm->space_id == ACPI_ADR_SPACE_SYSTEM_IO)
		return pm->address;
	return acpi_gbl_FADT.pm_timer_block;
}

static inline u32 canary_tick(u16 port)
{
	return inl(port) & CANARY_PM_MASK;
}

/* Whether @magic is 8 printable bytes that JSON can carry as they are */
static inline bool canary_magic_ok(const char *magic)
{
	size_t i;

	if (strlen(magic) != CANARY_MAGIC_LEN)
		return false;
	for (i = 0; i < CANARY_MAGIC_LEN; i++)
		if (magic[i] < 0x21 || magic[i] > 0x7e || magic[i] == '"' ||
		    magic[i] == '\\')
			return false;
	return true;
}

/*
 * Whole canaries of @kind planted at @tick from @p over @len bytes, ids
 * from *@seq on (advanced); returns how many
 */
static inline u32 canary_fill(void *p, size_t len, const char *magic, int kind,
			      u32 *seq, u32 tick)
{
	u8 *q = p;
	size_t i;
	u32 n = 0;

	for (i = 0; i + CANARY_SIZE <= len; i += CANARY_SIZE, n++) {
		memcpy(q + i, magic, CANARY_MAGIC_LEN);
		put_unaligned_le32(kind << 24 | ((*seq)++ & 0xffffff), q + i + 8);
		put_unaligned_le32(tick, q + i + 12);
	}
	return n;
}

/* Whether [p, p + len) holds the device's marker; @clear: zero each one */
static inline bool canary_find_marker(void *p, size_t len, bool clear)
{
	u8 *q = p;
	bool found = false;
	size_t i;

	for (i = 0; i + CANARY_MAGIC_LEN <= len; i++) {
		if (q[i] != 'v' || memcmp(q + i, CANARY_MARKER, CANARY_MAGIC_LEN))
			continue;
		found = true;
		if (clear)
			memset(q + i, 0, min_t(size_t, CANARY_MARKER_SIZE, len - i));
	}
	return found;
}

#endif /* VTD_CANARY_H */
