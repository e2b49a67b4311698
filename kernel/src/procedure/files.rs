//! Reading a file: sizes from the FCP, READ BINARY and READ RECORD in
//! chunks into the workspace, the bootstrap file bounded by its header, and
//! what each completed file means for the walk.

use sha2::{Digest, Sha256};

use super::error::ProcedureError;
use super::error::StepName;
use super::state::{FileRead, Phase, Procedure, Target, BOOTSTRAP_HEADER};
use super::view::FileKind;
use crate::bootstrap::BootstrapFile;
use crate::bytes::Bytes16;
use crate::dir::EfDir;
use crate::dodf::{Dodf, ObjectValue};
use crate::odf::Odf;

impl Procedure<'_, '_> {
    /// The SELECT answered with this FCP (data size, records): read the file.
    pub(super) fn begin_read(
        &mut self,
        fcp: (Option<usize>, Option<(usize, u16)>),
    ) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let cap = self.ws.len();
        let file = match (self.phase, fcp) {
            (Phase::SelectDir, (_, Some((rec_len, count)))) => FileRead {
                pos: 0,
                end: cap,
                records: Some((rec_len, count, 1)),
                len: 0,
            },
            (_, (None, _)) => {
                return self.fail(ProcedureError::MalformedResponse {
                    step,
                    what: "FCP without file size (80)",
                })
            }
            (phase, (Some(size), _)) => {
                let (start, end) = match (phase, self.target.and_then(|t| t.index_length)) {
                    (Phase::SelectBootstrap, Some(il)) => {
                        let s = usize::try_from(il.index).unwrap_or(usize::MAX).min(size);
                        let len = usize::try_from(il.length).unwrap_or(0);
                        (s, s.saturating_add(len).min(size))
                    }
                    _ => (0, size),
                };
                FileRead {
                    pos: start,
                    end,
                    records: None,
                    len: 0,
                }
            }
        };
        if file.records.is_none() && file.end - file.pos > cap {
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: file.end - file.pos,
                capacity: cap,
            });
        }
        self.phase = match self.phase {
            Phase::SelectDir => Phase::ReadDir(file),
            Phase::SelectOdf => Phase::ReadOdf(file),
            Phase::SelectTokenInfo => Phase::ReadTokenInfo(file),
            Phase::SelectDodf(i) => Phase::ReadDodf(i, file),
            Phase::SelectKeyDirectory => Phase::ReadKeyDirectory(file),
            Phase::SelectKeyFile => Phase::ReadPublicKey(file),
            _ => Phase::ReadBootstrap(file),
        };
        if file.records.is_none() && file.pos >= file.end {
            return self.end_of_file(file);
        }
        Ok(())
    }

    /// `len` bytes of file data arrived (in the exchange's reply).
    #[inline(never)]
    pub(super) fn take_data(&mut self, mut f: FileRead, len: usize) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let start = f.len;
        let end = start + len;
        let Some(dst) = self.ws.get_mut(start..end) else {
            let capacity = self.ws.len();
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: end,
                capacity,
            });
        };
        dst.copy_from_slice(self.x.data());
        f.len = end;
        match &mut f.records {
            Some((_, count, next)) => {
                *next += 1;
                if *count != 0 && *next > *count {
                    return self.end_of_file(f);
                }
            }
            None => {
                if len == 0 {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "READ BINARY returned no data",
                    });
                }
                f.pos += len;
                if f.pos > f.end {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "more data than asked",
                    });
                }
                if let (Phase::ReadBootstrap(_), Some(&[_, _, hi, lo]), true) = (
                    self.phase,
                    self.ws.get(..BOOTSTRAP_HEADER),
                    f.len >= BOOTSTRAP_HEADER,
                ) {
                    // The header says where the data ends: read no further.
                    // (`ws[0]` is the file byte at `pos - len`.)
                    let size = usize::from(u16::from_be_bytes([hi, lo]));
                    let data_end = f.pos - f.len + BOOTSTRAP_HEADER + size;
                    f.end = f.end.min(data_end.max(f.pos));
                }
                if f.pos == f.end {
                    return self.end_of_file(f);
                }
            }
        }
        self.phase = match self.phase {
            Phase::ReadDir(_) => Phase::ReadDir(f),
            Phase::ReadOdf(_) => Phase::ReadOdf(f),
            Phase::ReadTokenInfo(_) => Phase::ReadTokenInfo(f),
            Phase::ReadDodf(i, _) => Phase::ReadDodf(i, f),
            Phase::ReadKeyDirectory(_) => Phase::ReadKeyDirectory(f),
            Phase::ReadPublicKey(_) => Phase::ReadPublicKey(f),
            _ => Phase::ReadBootstrap(f),
        };
        Ok(())
    }

    /// A whole file is in `ws[..f.len]`: act on it. Each kind of file is
    /// handled in its own function (not inlined), so that the stack holds
    /// one parser's values at a time (a microcontroller's peak stack).
    pub(super) fn end_of_file(&mut self, f: FileRead) -> Result<(), ProcedureError> {
        match self.phase {
            Phase::ReadDir(_) => self.ef_dir_read(f.len),
            Phase::ReadOdf(_) => self.odf_read(f.len),
            Phase::ReadTokenInfo(_) => {
                self.completed = Some((FileKind::TokenInfo, f.len));
                self.phase = Phase::SelectDodf(0);
                Ok(())
            }
            Phase::ReadDodf(i, _) => self.dodf_read(i, f.len),
            Phase::ReadKeyDirectory(_) => {
                self.completed = Some((FileKind::KeyDirectory, f.len));
                self.key_directory_read(f.len)
            }
            Phase::ReadPublicKey(_) => {
                self.completed = Some((FileKind::PublicKey, f.len));
                self.public_key_read(f)
            }
            Phase::ReadBootstrap(_) => self.bootstrap_read(f.len),
            _ => self.fail(ProcedureError::OutOfOrder),
        }
    }

    #[inline(never)]
    fn ef_dir_read(&mut self, len: usize) -> Result<(), ProcedureError> {
        let step = StepName::ReadDir;
        let bytes = self.ws.get(..len).unwrap_or(&[]);
        self.completed = Some((FileKind::EfDir, len));
        let dir = match EfDir::parse(bytes) {
            Ok(d) => d,
            Err(error) => return self.fail(ProcedureError::Parse { step, error }),
        };
        let Some(app) = dir.pkcs15() else {
            return self.fail(ProcedureError::NoPkcs15Application);
        };
        let Some(path) = app.path.and_then(Bytes16::new) else {
            return self.fail(ProcedureError::NoApplicationPath);
        };
        let Some(aid) = Bytes16::new(app.aid) else {
            return self.fail(ProcedureError::NoPkcs15Application);
        };
        self.aid = aid;
        self.app_path = path;
        self.phase = if self.cfg.logical_channel {
            Phase::OpenChannel
        } else {
            Phase::SelectApplication
        };
        Ok(())
    }

    #[inline(never)]
    fn odf_read(&mut self, len: usize) -> Result<(), ProcedureError> {
        let step = StepName::ReadOdf;
        let bytes = self.ws.get(..len).unwrap_or(&[]);
        self.completed = Some((FileKind::Odf, len));
        let odf = match Odf::parse(bytes) {
            Ok(o) => o,
            Err(error) => return self.fail(ProcedureError::Parse { step, error }),
        };
        if let Some(op) = self.keyop.op() {
            let path = super::keyop::key_directory_in(&odf, &op);
            return self.odf_to_key_directory(path);
        }
        let mut n = 0;
        for p in odf.data_object_paths() {
            if let (Some(slot), Some(b)) = (self.dodfs.get_mut(n), Bytes16::new(p.path)) {
                *slot = b;
                n += 1;
            }
        }
        if n == 0 {
            return self.fail(ProcedureError::NoDataObjectDirectory);
        }
        self.n_dodfs = n as u8;
        self.phase = if self.cfg.read_token_info {
            Phase::SelectTokenInfo
        } else {
            Phase::SelectDodf(0)
        };
        Ok(())
    }

    #[inline(never)]
    fn dodf_read(&mut self, i: u8, len: usize) -> Result<(), ProcedureError> {
        let step = StepName::ReadDodf;
        let bytes = self.ws.get(..len).unwrap_or(&[]);
        self.completed = Some((FileKind::Dodf(i), len));
        let found = match Dodf::parse(bytes) {
            Ok(dodf) => dodf.find_lwm2m_bootstrap(),
            Err(error) => return self.fail(ProcedureError::Parse { step, error }),
        };
        if self.target.is_none() {
            if let Some(m) = found {
                let ObjectValue::Path(p) = m.object.value else {
                    return self.fail(ProcedureError::UnsupportedValue);
                };
                let flags = m.object.common.flags.unwrap_or_default();
                self.target = Some(Target {
                    path: Bytes16::new(p.path).unwrap_or_default(),
                    dodf: self.dodfs.get(usize::from(i)).copied().unwrap_or_default(),
                    entry: m.entry,
                    rule: m.rule,
                    index_length: p.index_length,
                    private: flags.private(),
                    auth_id: m
                        .object
                        .common
                        .auth_id
                        .and_then(Bytes16::new)
                        .unwrap_or_default(),
                });
            }
        }
        let more = i + 1 < self.n_dodfs;
        self.phase = match (
            self.target,
            more && (self.cfg.read_every_dodf || self.target.is_none()),
        ) {
            (_, true) => Phase::SelectDodf(i + 1),
            (None, false) => return self.fail(ProcedureError::NoBootstrapEntry),
            (Some(t), false) if t.private => Phase::NeedPin,
            (Some(_), false) => Phase::SelectBootstrap,
        };
        Ok(())
    }

    #[inline(never)]
    fn bootstrap_read(&mut self, len: usize) -> Result<(), ProcedureError> {
        let step = StepName::ReadBootstrap;
        let bytes = self.ws.get(..len).unwrap_or(&[]);
        self.completed = Some((FileKind::Bootstrap, len));
        let file = match BootstrapFile::parse(bytes) {
            Ok(file) => file,
            Err(error) => return self.fail(ProcedureError::Parse { step, error }),
        };
        // The file as a dump shows it: header and data, no padding.
        self.completed = Some((FileKind::Bootstrap, BOOTSTRAP_HEADER + file.size()));
        // The digest covers the header and the objects, not padding.
        let applied = bytes.get(..BOOTSTRAP_HEADER + file.size()).unwrap_or(bytes);
        self.digest = Sha256::digest(applied).into();
        self.file = Some((file.object_count(), len));
        self.phase = Phase::CloseChannel;
        Ok(())
    }
}
