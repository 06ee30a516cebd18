//! Bitstring Status List v1.0 (W3C Recommendation, 15 May 2025): the revocation bits of a list, encoded as the
//! spec says (GZIP, then base64url without padding, prefixed with the multibase `u`), and the random choice of a
//! free index.
//!
//! Bit 0 is the most significant bit of the first byte. A list has at least 131,072 bits (16 KB), so that one
//! credential's bit hides among many (the spec's herd privacy), and indexes are drawn at random, so that the index
//! tells nothing of the order of issue.

use std::collections::HashSet;
use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

/// The spec's minimum list length in bits.
pub const MIN_BITS: usize = 131_072;

/// The encoded list (`u` + base64url(gzip(bits))) of `size` bits with the bits of `set` at 1; indexes beyond the
/// list are ignored.
pub fn encode(size: usize, set: impl IntoIterator<Item = usize>) -> String {
    let mut bits = vec![0u8; size.div_ceil(8)];
    for i in set {
        if i < size {
            bits[i / 8] |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(&bits);
    let compressed = gz.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The bits of an encoded list, or `None` when it is not one. (The tests' independent decoders live outside the
/// crate; this one checks the encoder's own round trip.)
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut bits)
        .ok()?;
    Some(bits)
}

/// Whether bit `i` of decoded `bits` is set.
pub fn bit(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

/// `count` distinct indexes below `size` that are not in `used`, drawn uniformly at random; fewer when the list
/// has fewer free places.
pub fn pick_free(
    size: usize,
    used: &HashSet<usize>,
    count: usize,
    rng: &mut impl Rng,
) -> Vec<usize> {
    let free = size.saturating_sub(used.len());
    let wanted = count.min(free);
    let mut taken: HashSet<usize> = HashSet::with_capacity(wanted);
    let mut picked = Vec::with_capacity(wanted);
    // Rejection sampling: the service opens a new list when half of one is used, so a draw succeeds with
    // probability at least 1/2 and the expected number of draws stays below 2 per index.
    while picked.len() < wanted {
        let i = rng.gen_range(0..size);
        if !used.contains(&i) && taken.insert(i) {
            picked.push(i);
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_counted_from_the_most_significant_bit_of_the_first_byte() {
        let encoded = encode(MIN_BITS, [0, 9, MIN_BITS - 1, MIN_BITS + 5]);
        assert!(encoded.starts_with('u'));
        let bits = decode(&encoded).unwrap_or_default();
        assert_eq!(bits.len(), MIN_BITS / 8);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert_eq!(bits[MIN_BITS / 8 - 1], 0b0000_0001);
        assert!(bit(&bits, 0) && bit(&bits, 9) && bit(&bits, MIN_BITS - 1));
        assert!(!bit(&bits, 1) && !bit(&bits, 8));
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
        // 16 KB of mostly zeros compresses to a few dozen bytes.
        assert!(encoded.len() < 200, "{}", encoded.len());
    }

    #[test]
    fn free_indexes_are_distinct_unused_and_spread() {
        let mut rng = rand::thread_rng();
        let used: HashSet<usize> = (0..1000).collect();
        let picked = pick_free(MIN_BITS, &used, 500, &mut rng);
        assert_eq!(picked.len(), 500);
        assert_eq!(picked.iter().collect::<HashSet<_>>().len(), 500);
        assert!(picked.iter().all(|i| *i >= 1000 && *i < MIN_BITS));
        // Not handed out in order: more than a few land in the upper half.
        assert!(picked.iter().filter(|i| **i > MIN_BITS / 2).count() > 100);
        let small: HashSet<usize> = (0..6).collect();
        let rest = pick_free(8, &small, 5, &mut rng);
        assert_eq!(rest.len(), 2, "only the free places");
    }
}
