//! Strict JIS X 0208: which decoded characters SS-MIX2 allows.
//!
//! SS-MIX2 allows ASCII plus JIS X 0208 levels 1 and 2. Real-world senders are Windows systems
//! that think in CP932, whose vendor rows (NEC row 13: `①`, `㈱`; NEC-selected IBM rows 89–92 and
//! IBM rows 115–119: `髙`, `﨑`) encode happily into ISO-2022-JP bytes with encoding_rs, and
//! Python's strict codec then rejects the file at the receiving end. This module classifies
//! characters after decoding, so it works the same for ISO-2022-JP, Shift_JIS and UTF-8 input.
//!
//! The tables are built once from encoding_rs' own JIS X 0208 index (the WHATWG one), so the
//! classification agrees with the decoder by construction.

use std::sync::OnceLock;

/// How a non-ASCII character relates to strict JIS X 0208.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// In JIS X 0208 as encoding_rs maps it: allowed.
    X0208,
    /// In JIS X 0208 only under the JIS/iconv mapping (U+2212 `−`, U+301C `〜`, ...); CP932 and
    /// WHATWG converters use a full-width twin (U+FF0D `－`, U+FF5E `～`).
    MappingVariant {
        /// The twin encoding_rs decodes the same JIS cell to.
        whatwg: char,
    },
    /// A CP932 vendor extension (NEC row 13, NEC-selected IBM rows 89–92, IBM rows 115–119).
    Cp932,
    /// JIS X 0201 half-width katakana (U+FF61–U+FF9F).
    HalfwidthKana,
    /// A private-use (user-defined, 外字) character.
    UserDefined,
    /// Anything else outside JIS X 0208 (emoji, JIS X 0212/0213 kanji, `¥`, ...).
    Outside,
}

/// JIS/iconv code points for cells that WHATWG (encoding_rs) maps to a different code point.
const MAPPING_VARIANTS: &[(char, char)] = &[
    ('\u{2212}', '\u{FF0D}'), // MINUS SIGN vs FULLWIDTH HYPHEN-MINUS (0x215D)
    ('\u{301C}', '\u{FF5E}'), // WAVE DASH vs FULLWIDTH TILDE (0x2141)
    ('\u{2016}', '\u{2225}'), // DOUBLE VERTICAL LINE vs PARALLEL TO (0x2142)
    ('\u{2014}', '\u{2015}'), // EM DASH vs HORIZONTAL BAR (0x213D)
    ('\u{00A2}', '\u{FFE0}'), // CENT SIGN (0x2171)
    ('\u{00A3}', '\u{FFE1}'), // POUND SIGN (0x2172)
    ('\u{00AC}', '\u{FFE2}'), // NOT SIGN (0x224C)
];

struct Tables {
    /// Bit per BMP code point: decodes from a JIS X 0208 cell.
    x0208: Vec<u64>,
    /// Bit per BMP code point: decodes from a CP932 vendor cell and not from JIS X 0208.
    cp932: Vec<u64>,
}

fn set(bits: &mut [u64], c: char) {
    let cp = u32::from(c) as usize;
    if cp < 0x10000 {
        bits[cp / 64] |= 1 << (cp % 64);
    }
}

fn get(bits: &[u64], c: char) -> bool {
    let cp = u32::from(c) as usize;
    cp < 0x10000 && bits[cp / 64] & (1 << (cp % 64)) != 0
}

fn decode_cell(row: u8, cell: u8) -> Option<char> {
    let bytes = [0x1B, b'$', b'B', row, cell, 0x1B, b'(', b'B'];
    let text =
        encoding_rs::ISO_2022_JP.decode_without_bom_handling_and_without_replacement(&bytes)?;
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x0208 = vec![0u64; 0x10000 / 64];
        let mut cp932 = vec![0u64; 0x10000 / 64];
        // JIS X 0208 proper: rows 1–8 (symbols, kana, Greek, Cyrillic, box drawing) and
        // rows 16–84 (level 1 and level 2 kanji).
        for row in (0x21..=0x28).chain(0x30..=0x74) {
            for cell in 0x21..=0x7E {
                if let Some(c) = decode_cell(row, cell) {
                    set(&mut x0208, c);
                }
            }
        }
        // CP932 vendor rows as they appear in ISO-2022-JP: NEC row 13 and rows 89–92.
        for row in std::iter::once(0x2D).chain(0x79..=0x7C) {
            for cell in 0x21..=0x7E {
                if let Some(c) = decode_cell(row, cell)
                    && !get(&x0208, c)
                {
                    set(&mut cp932, c);
                }
            }
        }
        // IBM extensions as Shift_JIS lead bytes 0xFA–0xFC.
        for lead in 0xFAu8..=0xFC {
            for trail in (0x40u8..=0x7E).chain(0x80..=0xFC) {
                let bytes = [lead, trail];
                if let Some(text) = encoding_rs::SHIFT_JIS
                    .decode_without_bom_handling_and_without_replacement(&bytes)
                {
                    for c in text.chars() {
                        if !get(&x0208, c) {
                            set(&mut cp932, c);
                        }
                    }
                }
            }
        }
        Tables { x0208, cp932 }
    })
}

/// Classify one character. ASCII is always [`Class::X0208`] (it is the other allowed set).
pub fn classify(c: char) -> Class {
    if c.is_ascii() {
        return Class::X0208;
    }
    if ('\u{FF61}'..='\u{FF9F}').contains(&c) {
        return Class::HalfwidthKana;
    }
    if ('\u{E000}'..='\u{F8FF}').contains(&c) || u32::from(c) >= 0xF0000 {
        return Class::UserDefined;
    }
    let tables = tables();
    if get(&tables.x0208, c) {
        return Class::X0208;
    }
    if let Some((_, whatwg)) = MAPPING_VARIANTS.iter().find(|(jis, _)| *jis == c) {
        return Class::MappingVariant { whatwg: *whatwg };
    }
    if get(&tables.cp932, c) {
        return Class::Cp932;
    }
    Class::Outside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_usual_suspects() {
        // Table-driven: one row per character class seen in real uploads.
        let cases = [
            ('患', Class::X0208),
            ('ア', Class::X0208),
            ('－', Class::X0208),
            ('～', Class::X0208),
            ('熙', Class::X0208),
            ('①', Class::Cp932),
            ('㈱', Class::Cp932),
            ('髙', Class::Cp932),
            ('﨑', Class::Cp932),
            ('ｶ', Class::HalfwidthKana),
            ('\u{E000}', Class::UserDefined),
            ('−', Class::MappingVariant { whatwg: '－' }),
            ('〜', Class::MappingVariant { whatwg: '～' }),
            ('😀', Class::Outside),
            ('𠮷', Class::Outside),
            ('¥', Class::Outside),
        ];
        for (c, expected) in cases {
            assert_eq!(classify(c), expected, "{c}");
        }
    }
}
