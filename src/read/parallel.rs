//! Rendering batches of a reader's entries on worker threads.
//!
//! A reader's sequential part (framing, dating, joining wrapped lines) is
//! cheap; turning entries into events and events into output bytes is most
//! of the work. A reader hands batches of ready entries to a [`Pool`],
//! whose workers render them with their own [`Encoder`]; the results come
//! back to the sink in input order, with their warnings and counts, so the
//! output is byte for byte what the sequential path writes.
//!
//! Why threads of its own and not rayon's pool (which `batch` uses): this
//! is a pipeline, not a fork-join. Each worker waits on a bounded inbox for
//! the next batch while the reader is still reading, and the results are
//! taken back round-robin, which keeps them in input order and memory flat
//! (at most `QUEUED_PER_WORKER` batches per worker). rayon's tasks must not
//! block, and `par_iter` needs the batches up front; over rayon the same
//! channels would hold its threads for the whole input, starving the batch
//! conversion that runs on them. Measured, these workers started with
//! `rayon::spawn` instead: CSV from the 1M-line bench log in 0.99× the time
//! (median of 21 runs), so rayon buys nothing here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};

use super::Sink;
use crate::error::{Error, Result};
use crate::event::{Event, Kind, Time};
use crate::write::Encoder;

/// Batches a worker may hold at once: one rendering, one waiting.
const QUEUED_PER_WORKER: usize = 2;

/// What a worker made of one batch.
#[derive(Default)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Events per [`Kind`], indexed by `Kind as usize`.
    pub counts: Vec<u64>,
    pub warnings: Vec<(u64, String)>,
    /// The first and last dated events rendered.
    pub first: Option<Time>,
    pub last: Option<Time>,
    /// What stopped the rendering, after the events before it.
    pub error: Option<Error>,
}

impl Rendered {
    fn clear(&mut self) {
        self.bytes.clear();
        self.counts.iter_mut().for_each(|n| *n = 0);
        self.warnings.clear();
        (self.first, self.last) = (None, None);
        self.error = None;
    }
}

/// The sink a worker renders into.
pub struct RenderSink<'a> {
    encoder: &'a mut dyn Encoder,
    out: &'a mut Rendered,
}

impl Sink for RenderSink<'_> {
    fn batch_start(&mut self) {
        self.encoder.batch_start();
    }

    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        self.out.counts[event.kind as usize] += 1;
        if let Some(t) = event.time.filter(|t| t.date.is_some()) {
            self.out.first.get_or_insert(t);
            self.out.last = Some(t);
        }
        self.encoder.encode(event, &mut self.out.bytes);
        Ok(())
    }

    fn warn(&mut self, line: u64, message: &str) {
        self.out.warnings.push((line, message.to_string()));
    }
}

type Job<B> = (B, Rendered);

struct Worker<B> {
    jobs: Option<SyncSender<Job<B>>>,
    done: Option<Receiver<Job<B>>>,
    thread: Option<JoinHandle<()>>,
}

pub struct Pool<B> {
    workers: Vec<Worker<B>>,
    /// The worker that gets the next batch.
    next: usize,
    /// The worker holding the oldest batch in flight.
    oldest: usize,
    in_flight: usize,
    /// Batches back from the workers, for reuse.
    spare: Vec<B>,
    spare_rendered: Vec<Rendered>,
}

/// `--threads`: 0 for one per core.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Caps the threads a run reads with (`--threads N`); 1 reads
/// sequentially.
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The threads a run may read with: `--threads`, or one per core.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8)),
        n => n,
    }
}

/// Worker threads worth starting: one per core beyond the reading thread's,
/// and at least one, so that reading and rendering overlap; none when the
/// run reads with one thread.
pub fn workers() -> usize {
    match threads() {
        1 => 0,
        n => n,
    }
}

impl<B: Send + 'static> Pool<B> {
    /// `render` renders one batch into a sink; it runs on every worker.
    /// Returns `None` when the sink cannot take rendered output.
    pub fn start<F>(sink: &mut dyn Sink, render: F) -> Option<Pool<B>>
    where
        F: Fn(&mut B, &mut dyn Sink) -> Result<()> + Clone + Send + 'static,
    {
        if workers() == 0 {
            return None;
        }
        let encoders = (0..workers())
            .map(|_| sink.encoder())
            .collect::<Option<Vec<_>>>()?;
        let mut workers = Vec::with_capacity(encoders.len());
        for mut encoder in encoders {
            let render = render.clone();
            let (jobs, inbox) = sync_channel::<Job<B>>(QUEUED_PER_WORKER);
            let (outbox, done) = sync_channel::<Job<B>>(QUEUED_PER_WORKER);
            let thread = thread::spawn(move || {
                for (mut batch, mut out) in inbox {
                    let mut sink = RenderSink {
                        encoder: encoder.as_mut(),
                        out: &mut out,
                    };
                    if let Err(e) = render(&mut batch, &mut sink) {
                        out.error = Some(e);
                    }
                    if outbox.send((batch, out)).is_err() {
                        return;
                    }
                }
            });
            workers.push(Worker {
                jobs: Some(jobs),
                done: Some(done),
                thread: Some(thread),
            });
        }
        Some(Pool {
            workers,
            next: 0,
            oldest: 0,
            in_flight: 0,
            spare: Vec::new(),
            spare_rendered: Vec::new(),
        })
    }

    /// A batch container from earlier rounds, to refill.
    pub fn spare(&mut self) -> Option<B> {
        self.spare.pop()
    }

    /// Queues a batch, first passing finished ones on to `sink` when the
    /// workers are full (which keeps memory bounded).
    pub fn submit(&mut self, batch: B, sink: &mut dyn Sink) -> Result<()> {
        while self.in_flight >= self.workers.len() * QUEUED_PER_WORKER {
            self.collect_oldest(sink)?;
        }
        let rendered = self.spare_rendered.pop().unwrap_or_else(|| Rendered {
            counts: vec![0; Kind::ALL.len()],
            ..Rendered::default()
        });
        let worker = &self.workers[self.next];
        let sent = worker
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send((batch, rendered)).is_ok());
        if !sent {
            return Err(worker_died());
        }
        self.next = (self.next + 1) % self.workers.len();
        self.in_flight += 1;
        Ok(())
    }

    /// Passes every batch in flight on to `sink`, in order.
    pub fn drain(&mut self, sink: &mut dyn Sink) -> Result<()> {
        while self.in_flight > 0 {
            self.collect_oldest(sink)?;
        }
        Ok(())
    }

    fn collect_oldest(&mut self, sink: &mut dyn Sink) -> Result<()> {
        let (batch, mut rendered) = self.workers[self.oldest]
            .done
            .as_ref()
            .and_then(|done| done.recv().ok())
            .ok_or_else(worker_died)?;
        self.oldest = (self.oldest + 1) % self.workers.len();
        self.in_flight -= 1;
        let mut result = sink.rendered(&mut rendered);
        if let Some(e) = rendered.error.take() {
            result = result.and(Err(e));
        }
        rendered.clear();
        self.spare.push(batch);
        self.spare_rendered.push(rendered);
        result
    }
}

impl<B> Drop for Pool<B> {
    fn drop(&mut self) {
        // Closing both channels ends every worker, even one blocked on
        // handing back a batch that nobody will collect (after an error).
        for w in &mut self.workers {
            w.jobs = None;
            w.done = None;
        }
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
    }
}

fn worker_died() -> Error {
    Error::Write(std::io::Error::other("a rendering thread stopped"))
}
