#ifndef SIXRAY_COPENJPEG_SHIM_H
#define SIXRAY_COPENJPEG_SHIM_H
// OpenJPEG reads through stream callbacks with a user-data pointer and reports errors through
// a message callback; both are wrapped here so Swift calls one function per frame.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <openjpeg.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} sixray_opj_memory;

typedef struct {
    char text[256];
} sixray_opj_message;

static OPJ_SIZE_T sixray_opj_read(void *buffer, OPJ_SIZE_T n, void *user) {
    sixray_opj_memory *m = (sixray_opj_memory *)user;
    if (m->offset >= m->size) return (OPJ_SIZE_T)-1;
    size_t left = m->size - m->offset;
    size_t count = n < left ? n : left;
    memcpy(buffer, m->data + m->offset, count);
    m->offset += count;
    return count;
}

static OPJ_OFF_T sixray_opj_skip(OPJ_OFF_T n, void *user) {
    sixray_opj_memory *m = (sixray_opj_memory *)user;
    if (n < 0) {
        if ((size_t)(-n) > m->offset) { OPJ_OFF_T back = (OPJ_OFF_T)m->offset; m->offset = 0; return -back; }
        m->offset -= (size_t)(-n);
        return n;
    }
    size_t left = m->size - m->offset;
    size_t count = (size_t)n < left ? (size_t)n : left;
    m->offset += count;
    return (OPJ_OFF_T)count;
}

static OPJ_BOOL sixray_opj_seek(OPJ_OFF_T n, void *user) {
    sixray_opj_memory *m = (sixray_opj_memory *)user;
    if (n < 0 || (size_t)n > m->size) return OPJ_FALSE;
    m->offset = (size_t)n;
    return OPJ_TRUE;
}

static void sixray_opj_error(const char *msg, void *user) {
    sixray_opj_message *m = (sixray_opj_message *)user;
    if (m->text[0] == 0) {
        snprintf(m->text, sizeof(m->text), "%s", msg);
        size_t len = strlen(m->text);
        while (len > 0 && (m->text[len - 1] == '\n' || m->text[len - 1] == '\r')) m->text[--len] = 0;
    }
}

static void sixray_opj_quiet(const char *msg, void *user) { (void)msg; (void)user; }

/// Decodes a JPEG 2000 codestream (J2K, or JP2 when `jp2` is nonzero; HTJ2K included).
/// The header is checked against the expected size and component count before any tile is
/// decoded, so OpenJPEG never allocates for dimensions the caller did not expect.
/// Returns the image (release with opj_image_destroy) or NULL with `message` filled.
static inline opj_image_t *sixray_opj_decode(const uint8_t *data, size_t size, int jp2,
                                             uint32_t expectWidth, uint32_t expectHeight,
                                             uint32_t expectComponents, char *message, size_t messageSize) {
    sixray_opj_memory memory = {data, size, 0};
    sixray_opj_message err;
    memset(&err, 0, sizeof(err));
    message[0] = 0;
    opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (!codec) { snprintf(message, messageSize, "cannot create decoder"); return NULL; }
    opj_set_error_handler(codec, sixray_opj_error, &err);
    opj_set_warning_handler(codec, sixray_opj_quiet, NULL);
    opj_set_info_handler(codec, sixray_opj_quiet, NULL);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    opj_image_t *image = NULL;
    opj_stream_t *stream = NULL;
    if (!opj_setup_decoder(codec, &params)) { snprintf(message, messageSize, "decoder setup failed"); goto fail; }
    /* Code blocks decode in parallel on every core OpenJPEG sees (it honours OPJ_NUM_THREADS);
       single-threaded OpenJPEG loses to pydicom's bundled, threaded one on large frames. */
    if (opj_has_thread_support()) {
        const char *env = getenv("OPJ_NUM_THREADS");
        opj_codec_set_threads(codec, env ? atoi(env) : opj_get_num_cpus());
    }
    stream = opj_stream_default_create(OPJ_TRUE);
    if (!stream) { snprintf(message, messageSize, "cannot create stream"); goto fail; }
    opj_stream_set_user_data(stream, &memory, NULL);
    opj_stream_set_user_data_length(stream, (OPJ_UINT64)size);
    opj_stream_set_read_function(stream, sixray_opj_read);
    opj_stream_set_skip_function(stream, sixray_opj_skip);
    opj_stream_set_seek_function(stream, sixray_opj_seek);
    if (!opj_read_header(stream, codec, &image) || !image) {
        snprintf(message, messageSize, "cannot read header: %s", err.text[0] ? err.text : "invalid codestream");
        goto fail;
    }
    if (image->x1 - image->x0 != expectWidth || image->y1 - image->y0 != expectHeight ||
        image->numcomps != expectComponents) {
        snprintf(message, messageSize, "codestream is %ux%u with %u components",
                 image->x1 - image->x0, image->y1 - image->y0, image->numcomps);
        goto fail;
    }
    for (uint32_t c = 0; c < image->numcomps; c++) {
        if (image->comps[c].dx != 1 || image->comps[c].dy != 1) {
            snprintf(message, messageSize, "component %u is subsampled (%ux%u), not supported", c,
                     image->comps[c].dx, image->comps[c].dy);
            goto fail;
        }
        if (image->comps[c].prec < 1 || image->comps[c].prec > 31) {
            snprintf(message, messageSize, "component %u has precision %u", c, image->comps[c].prec);
            goto fail;
        }
    }
    if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
        snprintf(message, messageSize, "decoding failed: %s", err.text[0] ? err.text : "corrupt or truncated codestream");
        goto fail;
    }
    for (uint32_t c = 0; c < image->numcomps; c++) {
        if (!image->comps[c].data) { snprintf(message, messageSize, "component %u not decoded", c); goto fail; }
    }
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return image;
fail:
    if (stream) opj_stream_destroy(stream);
    if (image) opj_image_destroy(image);
    opj_destroy_codec(codec);
    return NULL;
}

#endif
