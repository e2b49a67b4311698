//! Without the `keys` feature no procedure has an operation: the walk
//! never reaches these; they fail as a call out of order would. (Compiled
//! only without `keys`: `.cargo/mutants.toml` leaves this file out, as
//! cargo-mutants builds with the default features.)

use super::super::error::ProcedureError;
use super::super::state::{FileRead, Phase, Procedure};
use super::{KeyOperation, KeyResult};
use crate::bytes::Bytes16;
use crate::odf::Odf;

pub(in crate::procedure) fn key_directory_in(_: &Odf<'_>, _: &KeyOperation<'_>) -> Option<Bytes16> {
    None
}

impl<'w> Procedure<'_, 'w> {
    pub(in crate::procedure) fn odf_to_key_directory(
        &mut self,
        _: Option<Bytes16>,
    ) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn key_directory_read(
        &mut self,
        _: usize,
    ) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn after_key_pin(&self) -> Phase {
        Phase::Failed(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn stage_mse(&mut self) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn stage_pso(&mut self, _: usize) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn pso_answered(
        &mut self,
        _: usize,
        _: usize,
        _: crate::apdu::StatusWord,
    ) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    pub(in crate::procedure) fn public_key_read(
        &mut self,
        _: FileRead,
    ) -> Result<(), ProcedureError> {
        self.fail(ProcedureError::OutOfOrder)
    }
    /// Always [`ProcedureError::OutOfOrder`] without the `keys` feature.
    pub fn finish_operation(self) -> Result<KeyResult<'w>, ProcedureError> {
        Err(ProcedureError::OutOfOrder)
    }
}
