//! The riwayat kursus of BKN's SIASN (Sistem Informasi ASN): how a training of this service is written for an
//! operator to upload it there. No official description of SIASN's interface is public; the field names are those
//! SIASN's own clients send (`namaKursus`, `institusiPenyelenggara`, `jenisDiklatId`, `jenisKursus`,
//! `jenisKursusSertipikat`, `jumlahJam`, `tahunKursus`, `tanggalKursus` and `tanggalSelesaiKursus` as
//! `dd-mm-yyyy`, `nomorSertipikat`), and the kind of a training is one of SIASN's `jenis diklat` codes, as its
//! clients list them: 1 Diklat Struktural, 2 Diklat Fungsional, 3 Diklat Teknis, 4 Workshop, 5 Pelatihan
//! Manajerial, 6 Pelatihan Sosial Kultural, 7 Sosialisasi, 8 Bimbingan Teknis, 9 Seminar, 10 Magang. Because these
//! codes are not published by BKN, the mapping of this service's event kinds to them is configuration
//! (`SIASN_COURSE_KINDS`), with [`KindMap::default`] as the starting point: every event kind is a Bimtek (8) except
//! a workshop (4).

use chrono::NaiveDate;

use crate::domain::enums::EventKind;

/// SIASN's code and name of one kind of training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiasnKind {
    /// `jenisDiklatId`.
    pub code: String,
    /// `jenisKursus`.
    pub name: String,
}

/// Event kind -> SIASN kind, for every event kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindMap(Vec<(EventKind, SiasnKind)>);

impl Default for KindMap {
    fn default() -> Self {
        Self(
            EventKind::ALL
                .iter()
                .map(|&kind| {
                    let (code, name) = match kind {
                        EventKind::Workshop => ("4", "Workshop"),
                        _ => ("8", "Bimbingan Teknis"),
                    };
                    (
                        kind,
                        SiasnKind {
                            code: code.to_owned(),
                            name: name.to_owned(),
                        },
                    )
                })
                .collect(),
        )
    }
}

impl KindMap {
    /// The SIASN kind of an event kind.
    pub fn of(&self, kind: EventKind) -> SiasnKind {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| SiasnKind {
                code: "8".to_owned(),
                name: "Bimbingan Teknis".to_owned(),
            })
    }

    /// The defaults with the entries of `spec` instead: `kind=code:name` separated by `;`, e.g.
    /// `workshop=4:Workshop;refresher=3:Diklat Teknis`. An unknown kind, a code that is not 1 to 4 digits or an
    /// empty name is an error naming the entry.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut map = Self::default();
        for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || format!("`{entry}` is not `kind=code:name`");
            let (kind, rest) = entry.split_once('=').ok_or_else(bad)?;
            let (code, name) = rest.split_once(':').ok_or_else(bad)?;
            let kind = EventKind::parse(kind.trim())
                .ok_or_else(|| format!("`{}` is not an event kind", kind.trim()))?;
            let (code, name) = (code.trim(), name.trim());
            if code.is_empty() || code.len() > 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{code}` is not a SIASN code (1 to 4 digits)"));
            }
            if name.is_empty() {
                return Err(bad());
            }
            if let Some(slot) = map.0.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 = SiasnKind {
                    code: code.to_owned(),
                    name: name.to_owned(),
                };
            }
        }
        Ok(map)
    }
}

/// A date as SIASN takes it: `dd-mm-yyyy`.
pub fn siasn_date(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_a_bimtek_but_workshops_unless_configured() {
        let map = KindMap::default();
        assert_eq!(map.of(EventKind::Orientation).code, "8");
        assert_eq!(map.of(EventKind::Orientation).name, "Bimbingan Teknis");
        assert_eq!(map.of(EventKind::Workshop).code, "4");
        let map = KindMap::parse(" refresher = 3 : Diklat Teknis ; ").unwrap_or_default();
        assert_eq!(
            map.of(EventKind::Refresher),
            SiasnKind {
                code: "3".into(),
                name: "Diklat Teknis".into()
            }
        );
        assert_eq!(map.of(EventKind::Workshop).code, "4");
        assert!(KindMap::parse("webinar=9:Seminar").is_err());
        assert!(KindMap::parse("workshop=x:Workshop").is_err());
        assert!(KindMap::parse("workshop=4").is_err());
        assert!(KindMap::parse("workshop=4:").is_err());
    }

    #[test]
    fn dates_are_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default();
        assert_eq!(siasn_date(d), "02-08-2025");
    }
}
