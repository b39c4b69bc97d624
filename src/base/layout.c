/*
 * layout.c - the shared header of object files, and its validation.
 *
 * Everything read from the namespace directory is hostile until proven
 * otherwise: a stranger may have put any file there, or a build of another
 * format.  Validation accepts only what this build wrote itself.
 */
#include "base.h"

#include <string.h>

static bool range_ok(uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
    return off >= lo && len <= hi && off <= hi - len;
}

static bool pad_is_zero(const struct shmap_objhdr *h)
{
    for (size_t i = 0; i < sizeof h->pad; i++)
        if (h->pad[i])
            return false;
    return true;
}

bool shmap__dname_valid(const char *name, size_t len)
{
    if (len != SHMAP_DNAME_LEN || name[0] != '.' || name[1] != 'd')
        return false;
    for (size_t i = 2; i < len; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return true;
}

bool shmap__hdr_data_name(const struct shmap_objhdr *h, char name[SHMAP_DNAME_LEN + 1])
{
    if (!(h->hflags & SHMAP_HF_DATA_FILE) || !shmap__dname_valid(h->data_name, sizeof h->data_name))
        return false;
    memcpy(name, h->data_name, SHMAP_DNAME_LEN);
    name[SHMAP_DNAME_LEN] = 0;
    return true;
}

static bool dname_is_zero(const struct shmap_objhdr *h)
{
    for (size_t i = 0; i < sizeof h->data_name; i++)
        if (h->data_name[i])
            return false;
    return true;
}

uint64_t shmap__hdr_sd_base(const struct shmap_objhdr *h)
{
    uint64_t end = (uint64_t)h->name_off + h->name_len;
    if (h->path_len && (uint64_t)h->path_off + h->path_len > end)
        end = (uint64_t)h->path_off + h->path_len;
    if (h->bitmap_len && (uint64_t)h->bitmap_off + h->bitmap_len > end)
        end = (uint64_t)h->bitmap_off + h->bitmap_len;
    return SHMAP_ROUND_UP(end, 8);
}

static int validate_section(const struct shmap_objhdr *h, uint64_t st_size)
{
    uint64_t hdr_end = h->data_offset, name_end = (uint64_t)h->name_off + h->name_len;
    if (h->data_offset % SHMAP_DATA_ALIGN || h->data_offset < SHMAP_DATA_ALIGN ||
        name_end > hdr_end)
        return SHMAP_EBADOBJ;
    if ((h->hflags & ~(SHMAP_HF_FILE_BACKED | SHMAP_HF_DATA_FILE)) ||
        (h->hflags & SHMAP_HF_FILE_BACKED && h->hflags & SHMAP_HF_DATA_FILE))
        return SHMAP_EBADOBJ;
    bool dfile = (h->hflags & SHMAP_HF_DATA_FILE) != 0;
    /* a data file's name is checked strictly before anyone uses it */
    if (dfile ? !shmap__dname_valid(h->data_name, sizeof h->data_name) || !h->file_ino ||
                    h->name_len == 0
              : !dname_is_zero(h))
        return SHMAP_EBADOBJ;
    if (h->hflags & SHMAP_HF_FILE_BACKED) {
        if (h->path_off != name_end ||
            !range_ok(h->path_off, h->path_len, SHMAP_NAME_OFF, hdr_end) || h->bitmap_len)
            return SHMAP_EBADOBJ;
        return st_size >= hdr_end ? 0 : SHMAP_EBADOBJ;
    }
    if (h->size == 0 || h->size % SHMAP_PAGE_SIZE || h->path_len || h->path_off ||
        (!dfile && h->file_ino))
        return SHMAP_EBADOBJ;
    if ((h->attributes & SHMAP_SEC_RESERVE) && !h->bitmap_len)
        return SHMAP_EBADOBJ;
    /* the data: in the data file (checked when it is opened), or here */
    if (h->size > UINT64_MAX - h->data_offset || st_size < h->data_offset + (dfile ? 0 : h->size))
        return SHMAP_EBADOBJ;
    if (h->bitmap_len) {
        uint64_t pages = h->size / SHMAP_PAGE_SIZE;
        if (h->bitmap_off != SHMAP_ROUND_UP(name_end, 8) ||
            h->bitmap_len != (pages + 31) / 32 * 4 || !(h->attributes & SHMAP_SEC_RESERVE) ||
            !range_ok(h->bitmap_off, h->bitmap_len, SHMAP_NAME_OFF, hdr_end))
            return SHMAP_EBADOBJ;
    }
    return 0;
}

int shmap__hdr_validate(const struct shmap_objhdr *h, uint64_t st_size)
{
    if (st_size < SHMAP_NAME_OFF || h->magic != SHMAP_MAGIC || h->format != SHMAP_FORMAT)
        return SHMAP_EBADOBJ;
    if (h->type < SHMAP_TYPE_MAPPING || h->type > SHMAP_TYPE_NAMED_MAX || !pad_is_zero(h))
        return SHMAP_EBADOBJ;
    /* the name always follows the state area, where this build puts it */
    if (h->name_off != SHMAP_NAME_OFF ||
        !range_ok(h->name_off, h->name_len, SHMAP_NAME_OFF, st_size))
        return SHMAP_EBADOBJ;
    if (h->sd_len) { /* in one of its two slots, inside the file */
        uint64_t base = shmap__hdr_sd_base(h);
        if (h->sd_len > SHMAP_SD_SLOT || (h->sd_off != base && h->sd_off != base + SHMAP_SD_SLOT) ||
            !range_ok(h->sd_off, h->sd_len, SHMAP_NAME_OFF, st_size))
            return SHMAP_EBADOBJ;
    }
    if (h->type == SHMAP_TYPE_MAPPING && h->sd_len &&
        shmap__hdr_sd_base(h) + SHMAP_SD_AREA > h->data_offset)
        return SHMAP_EBADOBJ;
    if (h->type == SHMAP_TYPE_MAPPING)
        return validate_section(h, st_size);
    /* Other types keep everything in the first page. */
    if (h->data_offset || h->size || h->hflags || h->bitmap_len || h->path_len ||
        st_size < SHMAP_PAGE_SIZE || !dname_is_zero(h))
        return SHMAP_EBADOBJ;
    return 0;
}
