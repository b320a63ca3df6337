/*
 * Tables indexed by a 16-bit id for the intel-iommu extensions
 *
 * Domain-ids and source-ids (bus << 8 | devfn) are 16 bits wide.  A table
 * is 256 rows of 256 entries; a row is allocated zeroed the first time one
 * of its ids is used, so a lookup is two loads and no hashing, and a guest
 * that uses a few ids costs a few rows.  A leaf: it includes nothing of
 * ours, and each unit (vtd-accounting.c, vtd-audit.c) keeps its own tables.
 *
 * The caller serializes access (each unit says under which lock).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_TABLE_H
#define HW_I386_VTD_TABLE_H

#define VTD_TABLE_ROWS              256
#define VTD_TABLE_ROW_LEN           256

typedef struct VTDTable {
    void *rows[VTD_TABLE_ROWS];     /* row id >> 8, NULL until first use */
} VTDTable;

/* Entry @id of @t (entries of @size bytes), its row made on first use */
static inline void *vtd_table_get(VTDTable *t, uint16_t id, size_t size)
{
    void **row = &t->rows[id >> 8];

    if (unlikely(!*row)) {
        *row = g_malloc0(VTD_TABLE_ROW_LEN * size);
    }
    return (char *)*row + (size_t)(id & 0xff) * size;
}

/* Entry @id of @t, or NULL when its row was never used (no allocation) */
static inline void *vtd_table_peek(const VTDTable *t, uint32_t id,
                                   size_t size)
{
    char *row = t->rows[(id >> 8) & 0xff];

    return row ? row + (size_t)(id & 0xff) * size : NULL;
}

/*
 * The first entry at or after *@id in a row that was ever used, with *@id
 * set to its id, or NULL when none is left; rows never used are skipped
 * whole. Walks a table: for (id = 0; (e = VTD_TABLE_NEXT(t, &id, T)); id++)
 */
static inline void *vtd_table_next(const VTDTable *t, uint32_t *id,
                                   size_t size)
{
    for (; *id <= UINT16_MAX; (*id)++) {
        void *e = vtd_table_peek(t, *id, size);

        if (e) {
            return e;
        }
        *id |= VTD_TABLE_ROW_LEN - 1;
    }
    return NULL;
}

/* Zero every entry; the rows stay allocated */
static inline void vtd_table_clear(VTDTable *t, size_t size)
{
    unsigned i;

    for (i = 0; i < VTD_TABLE_ROWS; i++) {
        if (t->rows[i]) {
            memset(t->rows[i], 0, VTD_TABLE_ROW_LEN * size);
        }
    }
}

/* Free every row */
static inline void vtd_table_free(VTDTable *t)
{
    unsigned i;

    for (i = 0; i < VTD_TABLE_ROWS; i++) {
        g_free(t->rows[i]);
        t->rows[i] = NULL;
    }
}

/* Typed forms: VTD_TABLE_GET(&a->domains, did, VTDAcctDomain) */
#define VTD_TABLE_GET(t, id, type)  ((type *)vtd_table_get(t, id, sizeof(type)))
#define VTD_TABLE_PEEK(t, id, type) \
    ((type *)vtd_table_peek(t, id, sizeof(type)))
#define VTD_TABLE_NEXT(t, id, type) \
    ((type *)vtd_table_next(t, id, sizeof(type)))

#endif
