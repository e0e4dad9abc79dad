/* test_vectors.c: fleet_protocol.h reproduces every golden vector of Protocols/vectors/valid.json
 * (test_vectors.h, generated from it) byte for byte, and the CRC-32 check value.
 *
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic -o test_vectors test_vectors.c && ./test_vectors
 *
 * Prints one line per failure and "N passed, M failed"; exits 1 on any failure. */
#include <stdio.h>
#include <string.h>

#include "test_vectors.h"

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes `hex` into `out`; returns the byte count, or 0 for bad hex or too little room. */
static size_t from_hex(const char *hex, uint8_t *out, size_t capacity) {
    size_t length = strlen(hex), i;
    if (length % 2 != 0 || length / 2 > capacity) return 0;
    for (i = 0; i < length / 2; i++) {
        int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
        if (high < 0 || low < 0) return 0;
        out[i] = (uint8_t)(high * 16 + low);
    }
    return length / 2;
}

int main(void) {
    static uint8_t expected[FLEET_MAX_FRAME_BYTES], actual[FLEET_MAX_FRAME_BYTES];
    int passed = 0, failed = 0;
    size_t i;

    if (fleet_crc32("123456789", 9) == UINT32_C(0xCBF43926)) {
        passed++;
    } else {
        printf("FAIL crc32 check value: 0x%08lX\n", (unsigned long)fleet_crc32("123456789", 9));
        failed++;
    }
    for (i = 0; i < FLEET_VECTOR_COUNT; i++) {
        const fleet_vector *v = &fleet_vectors[i];
        size_t want = from_hex(v->hex, expected, sizeof expected);
        size_t got = v->encode(actual, sizeof actual);
        if (want == 0 || got != want || memcmp(expected, actual, want) != 0) {
            size_t at = 0;
            while (at < want && at < got && expected[at] == actual[at]) at++;
            printf("FAIL %s: %lu bytes, expected %lu, first difference at byte %lu\n", v->name,
                   (unsigned long)got, (unsigned long)want, (unsigned long)at);
            failed++;
        } else {
            passed++;
        }
        /* Too small a buffer is refused, never overrun. */
        if (v->encode(actual, want - 1) != 0) {
            printf("FAIL %s: encoded into %lu bytes\n", v->name, (unsigned long)(want - 1));
            failed++;
        }
    }
    printf("vectors: %d of %d in valid.json reproduced (the rest are decode_only)\n", FLEET_VECTOR_COUNT,
           FLEET_VECTOR_TOTAL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
