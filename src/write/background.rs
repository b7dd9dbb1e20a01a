//! A buffer that, once large, is handed to a writer thread: the write
//! system calls (a sixth of the work when converting) and any compression
//! then overlap parsing. Buffers come back through a second channel and are
//! reused, so memory stays at a few buffers whatever the output's size.
//!
//! The thread starts with the first full buffer: an output that never
//! fills one (most files of `anonymize -o DIR/` over thousands of small
//! logs) is written and finished on the calling thread, without one.

use std::io::{self, Write};
use std::sync::mpsc;
use std::thread;

pub const FLUSH_AT: usize = 256 * 1024;

/// The writer's loop: takes full buffers, gives them back empty, finishes.
type Drain =
    Box<dyn FnOnce(mpsc::Receiver<Vec<u8>>, mpsc::Sender<Vec<u8>>) -> io::Result<()> + Send>;

/// A writer not started yet, with the ends of its channels.
type Idle = (Drain, mpsc::Receiver<Vec<u8>>, mpsc::Sender<Vec<u8>>);

/// A buffer whose full blocks a thread of its own writes.
pub struct Background {
    /// Where the next bytes go; handed over once it reaches `FLUSH_AT`.
    pub buf: Vec<u8>,
    full: Option<mpsc::SyncSender<Vec<u8>>>,
    empty: mpsc::Receiver<Vec<u8>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
    /// The writer, until its thread starts.
    idle: Option<Idle>,
}

impl Background {
    /// Writes to `out` on a thread of its own, and ends with `finish(out)`
    /// (a flush, or a compressor's trailer).
    pub fn new<W, F>(mut out: W, finish: F) -> Self
    where
        W: Write + Send + 'static,
        F: FnOnce(W) -> io::Result<()> + Send + 'static,
    {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(2);
        let (empty_tx, empty_rx) = mpsc::channel();
        let drain: Drain = Box::new(move |full_rx, empty_tx| {
            for mut buf in full_rx {
                out.write_all(&buf)?;
                buf.clear();
                let _ = empty_tx.send(buf);
            }
            finish(out)
        });
        Background {
            buf: Vec::new(),
            full: Some(full_tx),
            empty: empty_rx,
            thread: None,
            idle: Some((drain, full_rx, empty_tx)),
        }
    }

    fn start_thread(&mut self) {
        if let Some((drain, full_rx, empty_tx)) = self.idle.take() {
            self.thread = Some(thread::spawn(move || drain(full_rx, empty_tx)));
        }
    }

    /// Hands the buffer over once it is full.
    pub fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Queues `bytes` after [`Background::buf`], leaving `bytes` empty. A
    /// large batch goes to the thread as it is, without a copy (`bytes`
    /// then gets a spare buffer in exchange).
    pub fn append(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        if self.buf.len() + bytes.len() < FLUSH_AT {
            self.buf.append(bytes);
            return Ok(());
        }
        if !self.buf.is_empty() {
            self.hand_over()?;
        }
        std::mem::swap(&mut self.buf, bytes);
        self.hand_over()?;
        bytes.clear();
        Ok(())
    }

    fn hand_over(&mut self) -> io::Result<()> {
        self.start_thread();
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(FLUSH_AT + 4096));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.full.as_ref().is_some_and(|tx| tx.send(full).is_ok());
        if !sent {
            // The writer thread stopped: its error is the one to report.
            return self.join();
        }
        Ok(())
    }

    fn join(&mut self) -> io::Result<()> {
        self.full = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked"))),
            None => Err(io::Error::other("output already closed")),
        }
    }

    /// Writes what is left and waits for the thread: its first error.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some((drain, full_rx, empty_tx)) = self.idle.take() {
            // Never filled a buffer: write it here, no thread needed.
            if let Some(tx) = self.full.take()
                && !self.buf.is_empty()
            {
                let _ = tx.send(std::mem::take(&mut self.buf));
            }
            return drain(full_rx, empty_tx);
        }
        if !self.buf.is_empty() {
            self.hand_over()?;
        }
        self.join()
    }
}
