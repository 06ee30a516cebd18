//! Rank (pangkat) of a civil-service grade (golongan ruang), as printed on certificates and attendance lists:
//! `Penata Muda, III/a` (Peraturan Pemerintah 99/2000, lampiran).

use crate::domain::enums::Grade;

/// The pangkat of a golongan ruang.
pub fn pangkat(grade: Grade) -> &'static str {
    match grade {
        Grade::Ia => "Juru Muda",
        Grade::Ib => "Juru Muda Tingkat I",
        Grade::Ic => "Juru",
        Grade::Id => "Juru Tingkat I",
        Grade::IIa => "Pengatur Muda",
        Grade::IIb => "Pengatur Muda Tingkat I",
        Grade::IIc => "Pengatur",
        Grade::IId => "Pengatur Tingkat I",
        Grade::IIIa => "Penata Muda",
        Grade::IIIb => "Penata Muda Tingkat I",
        Grade::IIIc => "Penata",
        Grade::IIId => "Penata Tingkat I",
        Grade::IVa => "Pembina",
        Grade::IVb => "Pembina Tingkat I",
        Grade::IVc => "Pembina Utama Muda",
        Grade::IVd => "Pembina Utama Madya",
        Grade::IVe => "Pembina Utama",
    }
}

/// `Penata Muda, III/a`: the pangkat and the golongan as one cell.
pub fn pangkat_golongan(grade: Grade) -> String {
    format!("{}, {}", pangkat(grade), grade.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grade_has_its_rank() {
        assert_eq!(pangkat_golongan(Grade::IIIa), "Penata Muda, III/a");
        assert_eq!(pangkat(Grade::IVe), "Pembina Utama");
        assert_eq!(pangkat(Grade::IId), "Pengatur Tingkat I");
        let distinct: std::collections::HashSet<_> =
            Grade::ALL.iter().map(|g| pangkat(*g)).collect();
        assert_eq!(distinct.len(), Grade::ALL.len());
    }
}
