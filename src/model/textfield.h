/*
 * textfield.h — printf into the fixed-size text fields of the plain-C
 * core's result rows (readiness checks, settings rules): bounded, never
 * overflowing; a text that does not fit is cut (the field stays
 * NUL-terminated), which the row sizes make rare and harmless.
 *
 * Plain C (no server headers).  A caller names its field size once, e.g.
 *   #define set_text(f, ...) lg_text_set((f), LG_CHECK_TEXT_LEN, __VA_ARGS__)
 */
#ifndef LG_TEXTFIELD_H
#define LG_TEXTFIELD_H

#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__)
#define LG_TEXT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define LG_TEXT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

/* field (size bytes) = the formatted text */
extern void lg_text_set(char *field, size_t size, const char *fmt,...) LG_TEXT_PRINTF(3, 4);

/* field (size bytes) += the formatted text; nothing once field is full */
extern void lg_text_append(char *field, size_t size, const char *fmt,...) LG_TEXT_PRINTF(3, 4);

#endif							/* LG_TEXTFIELD_H */
