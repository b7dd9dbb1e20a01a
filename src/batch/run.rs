//! Converting many files on a rayon pool into one output, in the plan's
//! order: each file is read by one worker (its reader sequential: the
//! workers are the parallelism) into a buffer of encoded events, and the
//! calling thread hands the buffers to the output in order. The bytes are
//! those of a sequential run.
//!
//! A few files per worker are in flight at once; a buffer larger than
//! `IN_MEMORY` moves to an unnamed temporary file, so memory stays flat
//! whatever the files' sizes.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};

use crate::convert::{ConvertOptions, Converter, Diagnostics, InputStats};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::input::Input;
use crate::seal::Seal;
use crate::write::{Encoder, EventWriter};

const IN_MEMORY: usize = 8 * 1024 * 1024;
/// Files in flight per worker.
const AHEAD: usize = 2;

/// One file to convert: its name and the lines already read elsewhere.
pub struct Job {
    pub name: String,
    pub skip: u64,
    /// The server of its lines before the first that names one.
    pub server: Option<String>,
}

/// What converting one file gave.
pub struct Done {
    pub stats: InputStats,
    /// The file's own failure (after what came before it was converted).
    pub failure: Option<Error>,
    pub warnings: Vec<String>,
}

/// Converts `jobs` on `pool`, writing their events to `writer` in order;
/// `done` takes each file's outcome, in order. `on_open` sees each input
/// as a worker opens it (for progress). An error from `writer` or from
/// `done`, or a fatal one (`--strict`), stops the run.
pub fn convert_in_order(
    pool: &rayon::ThreadPool,
    jobs: &[Job],
    options: &ConvertOptions,
    writer: &mut dyn EventWriter,
    on_open: &(dyn Fn(&Input) + Sync),
    done: &mut dyn FnMut(usize, Done) -> Result<()>,
) -> Result<()> {
    let encoders: Option<Vec<Box<dyn Encoder>>> = jobs.iter().map(|_| writer.encoder()).collect();
    let Some(encoders) = encoders else {
        return Err(Error::Usage(
            "this output cannot be written in parallel".into(),
        ));
    };
    let window = pool.current_num_threads() * AHEAD;
    let gate = Gate::default();
    let (tx, rx) = mpsc::channel::<(usize, Result<(Done, Buffer)>)>();
    pool.in_place_scope_fifo(|scope| {
        for (i, (job, encoder)) in jobs.iter().zip(encoders).enumerate() {
            let (tx, gate) = (tx.clone(), &gate);
            scope.spawn_fifo(move |_| {
                if !gate.wait_for(i, window) {
                    return;
                }
                let _ = tx.send((i, convert_one(job, options, encoder, on_open)));
            });
        }
        drop(tx);
        let result = write_in_order(&rx, jobs.len(), writer, done, &gate);
        gate.cancel();
        result
    })
}

fn write_in_order(
    rx: &mpsc::Receiver<(usize, Result<(Done, Buffer)>)>,
    count: usize,
    writer: &mut dyn EventWriter,
    done: &mut dyn FnMut(usize, Done) -> Result<()>,
    gate: &Gate,
) -> Result<()> {
    let mut waiting: std::collections::BTreeMap<usize, Result<(Done, Buffer)>> =
        std::collections::BTreeMap::new();
    for next in 0..count {
        let result = loop {
            if let Some(r) = waiting.remove(&next) {
                break r;
            }
            let Ok((i, r)) = rx.recv() else {
                return Err(Error::Write(io::Error::other("a worker thread stopped")));
            };
            waiting.insert(i, r);
        };
        let (outcome, buffer) = result?;
        buffer.write_to(writer).map_err(Error::Write)?;
        done(next, outcome)?;
        gate.advance();
    }
    Ok(())
}

fn convert_one(
    job: &Job,
    options: &ConvertOptions,
    encoder: Box<dyn Encoder>,
    on_open: &(dyn Fn(&Input) + Sync),
) -> Result<(Done, Buffer)> {
    let mut buffer = Buffer {
        encoder,
        bytes: Vec::new(),
        spilled: None,
        spilled_len: 0,
    };
    let mut warnings = Collect(Vec::new());
    let mut converter = Converter::new(options.clone(), &mut buffer);
    converter.add_input_after(
        &job.name,
        job.skip,
        job.server.as_deref(),
        &mut warnings,
        &mut |i| on_open(i),
    )?;
    let failure = converter.failures.pop();
    let stats = std::mem::take(&mut converter.stats);
    drop(converter);
    let done = Done {
        stats,
        failure,
        warnings: warnings.0,
    };
    Ok((done, buffer))
}

/// Warnings of a file read on a worker, to print in input order.
#[derive(Default)]
pub struct Collect(pub Vec<String>);

impl Diagnostics for Collect {
    fn warning(&mut self, message: &str) {
        self.0.push(message.to_string());
    }
}

/// Files the output has taken, so that workers stay a window ahead.
#[derive(Default)]
struct Gate {
    written: Mutex<usize>,
    moved: Condvar,
    cancelled: AtomicBool,
}

impl Gate {
    /// Waits until file `i` is within `window` of the output; false when
    /// the run stopped.
    fn wait_for(&self, i: usize, window: usize) -> bool {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        while i >= *written + window && !self.cancelled.load(Ordering::Relaxed) {
            written = self
                .moved
                .wait(written)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !self.cancelled.load(Ordering::Relaxed)
    }

    fn advance(&self) {
        *self.written.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.moved.notify_all();
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
        let _guard = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        self.moved.notify_all();
    }
}

/// One file's encoded events: in memory, then in a temporary file, sealed
/// ([`crate::seal`]): before the leak check, events may hold names.
struct Buffer {
    encoder: Box<dyn Encoder>,
    bytes: Vec<u8>,
    spilled: Option<(File, Seal)>,
    spilled_len: u64,
}

impl Buffer {
    fn write_to(mut self, writer: &mut dyn EventWriter) -> io::Result<()> {
        if let Some((mut file, seal)) = self.spilled.take() {
            file.seek(io::SeekFrom::Start(0))?;
            let mut chunk = Vec::with_capacity(IN_MEMORY);
            let mut at = 0;
            loop {
                chunk.clear();
                let n = (&mut file).take(IN_MEMORY as u64).read_to_end(&mut chunk)?;
                if n == 0 {
                    break;
                }
                seal.apply(at, &mut chunk);
                at += n as u64;
                writer.write_encoded(&mut chunk)?;
            }
        }
        writer.write_encoded(&mut self.bytes)
    }
}

impl EventWriter for Buffer {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.encoder.encode(event, &mut self.bytes);
        if self.bytes.len() >= IN_MEMORY {
            let (file, seal) = match &mut self.spilled {
                Some(spill) => spill,
                None => self.spilled.insert((tempfile::tempfile()?, Seal::new()?)),
            };
            seal.apply(self.spilled_len, &mut self.bytes);
            file.write_all(&self.bytes)?;
            self.spilled_len += self.bytes.len() as u64;
            self.bytes.clear();
        }
        Ok(())
    }

    /// None: the reader stays on its worker, one file per worker.
    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        None
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.bytes.append(bytes);
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
