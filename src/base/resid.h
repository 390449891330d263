/* resid.h — resident identity numbers (居民身份证号码, GB 11643-1999), in one place.
 *
 * An id is 18 characters: a 6-digit area code, the birth date YYYYMMDD (digits 7–14), a
 * 3-digit sequence whose last digit (digit 17) is odd for men, and a check character over the
 * first 17 digits. The VM's built-ins (valid_resident_id, id_birth_date, id_male), the
 * importer, the generator and every human-facing output (masking) read them here. */
#ifndef DOUDI_RESID_H
#define DOUDI_RESID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The check character of an id whose first 17 characters are digits: "10X98765432"[Σ dᵢwᵢ mod 11]. */
char resident_id_check_char(const char *first17);
/* 18 characters; the first 17 digits; digits 1–2 a province code in 11..82; digits 7–14 a real
 * date; the last the check character (an uppercase X: the importer reads 'x' as 'X'). */
bool resident_id_valid(const char *id);
/* True when `id` is neither 18 nor 15 (the older format) characters long: the id has the wrong
 * length, whatever else is wrong with it. *chars: its length in characters (UTF-8 code points). */
bool resident_id_wrong_length(const char *id, int *chars);
/* The birth date in digits 7–14 of an 18-character id, as a day number; false when malformed. */
bool resident_id_birth(const char *id, int64_t *days);
/* Digit 17 of an 18-character id: 1 odd (male), 0 even, -1 malformed. */
int resident_id_male(const char *id);

/* Mask every resident id in `text`, in place: the 8 birth-date digits of an 18-character id
 * (410122195003071234 → 410122********1234) and the 6 of a 15-character one (digits 7–12, the
 * older format: 410122500307123 → 410122******123). A run of digits of another length is not
 * an id and stays. The birth date an id in the text encodes is masked too wherever the text
 * writes it as a date (1950-03-07 → ****-**-**): it is the very digits the mask hides. For
 * every human-facing output of personal data. */
void resident_id_mask(char *text);
/* Mask, in text that may not show the id itself, the birth date the id `id` encodes. */
void resident_id_mask_date(char *text, const char *id);

#endif
