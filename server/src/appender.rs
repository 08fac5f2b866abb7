//! Group commit for posts: one writer per node takes every post that arrived while
//! it was writing the previous ones and appends them in one transaction (one
//! commit, one fsync on PostgreSQL, instead of one per post). Seqs are still
//! assigned under each group's lock, so the log's order rule is unchanged. When
//! idle, a post is written at once: nothing waits to fill a batch.
//!
//! The same writer hands each stored entry to this node's followers of its group
//! ([`crate::service::delivery::publish`]) in the order of the log, so sockets on this node
//! never see a later entry of a group before an earlier one from this writer.

use std::collections::HashMap;
use std::sync::Arc;

use kizuna_storage::groups::{self, Appended, EntryKind, Group, LogEntry, PostAppend};
use kizuna_storage::{Db, StorageError};
use tokio::sync::{mpsc, oneshot};

use crate::live::Live;
use crate::notify::events::ChannelReaders;

/// Most posts in one transaction.
const MAX_BATCH: usize = 256;

struct Job {
    post: PostAppend,
    reply: oneshot::Sender<Result<Posted, StorageError>>,
}

/// What became of one post.
pub struct Posted {
    /// Its place in the log, or why it has none.
    pub appended: Appended,
    /// For a stored post: who its notification may go to, read by the writer once
    /// per channel for the whole batch (`None` if that read failed: the
    /// notification reads them itself).
    pub readers: Option<Arc<ChannelReaders>>,
}

/// The node's post writer. Cheap to clone.
#[derive(Clone)]
pub struct Appender {
    queue: mpsc::UnboundedSender<Job>,
}

impl Appender {
    /// Starts the writer on a thread of its own.
    pub fn start(db: Db, live: Live) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        let writer = Writer { db, live, jobs };
        // The thread ends when every sender (every clone of the state) is gone.
        let spawned = std::thread::Builder::new()
            .name("kizuna-appender".into())
            .spawn(move || writer.run());
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the post writer; posts will fail");
        }
        Self { queue }
    }

    /// Appends a post (with the others waiting) and, once committed, hands it to
    /// this node's followers of its group.
    pub async fn append(&self, post: PostAppend) -> Result<Posted, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { post, reply })
            .map_err(|_| StorageError::Task("the post writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StorageError::Task("the post writer stopped".into()))?
    }
}

struct Writer {
    db: Db,
    live: Live,
    jobs: mpsc::UnboundedReceiver<Job>,
}

impl Writer {
    fn run(mut self) {
        while let Some(first) = self.jobs.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.write(batch);
        }
    }

    fn write(&self, batch: Vec<Job>) {
        let (mut posts, replies): (Vec<PostAppend>, Vec<_>) =
            batch.into_iter().map(|j| (j.post, j.reply)).unzip();
        let outcomes = match self.db.run_blocking(|conn| groups::append_posts(conn, &posts)) {
            Ok(outcomes) => outcomes,
            // The whole transaction failed (e.g. a lost connection or a failed
            // commit): nothing of it is stored, so each post gets a try of its own.
            Err(e) if posts.len() > 1 => {
                tracing::warn!(error = %e, posts = posts.len(), "a batch of posts failed; retrying one by one");
                posts
                    .iter()
                    .map(|p| {
                        self.db
                            .run_blocking(|conn| groups::append_posts(conn, std::slice::from_ref(p)))
                            .and_then(|mut one| one.pop().unwrap_or(Err(StorageError::NotFound)))
                    })
                    .collect()
            }
            Err(e) => vec![Err(e)],
        };
        let mut stored: Vec<(usize, i64)> = outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| match o {
                Ok(Appended::Stored { seq }) => Some((i, *seq)),
                _ => None,
            })
            .collect();
        // In log order per group, whatever order the posts arrived in.
        stored.sort_by(|a, b| posts[a.0].group.id.cmp(&posts[b.0].group.id).then(a.1.cmp(&b.1)));
        for (i, seq) in stored {
            let p = &mut posts[i];
            // Each stored post is published once; its body is not needed after.
            let entry = LogEntry {
                group: p.group.id.clone(),
                seq,
                kind: p.entry.kind,
                sender: p.entry.sender,
                epoch: p.entry.epoch,
                body: std::mem::take(&mut p.entry.body),
                created_at: p.now,
                urgency: p.entry.urgency,
            };
            crate::service::delivery::publish(&self.live, entry);
        }
        let readers = self.readers(&posts, &outcomes);
        for ((reply, outcome), p) in replies.into_iter().zip(outcomes).zip(&posts) {
            let posted = outcome.map(|appended| Posted {
                appended,
                readers: readers.get(&p.group.id).cloned(),
            });
            // The caller may have gone (its request was cancelled): the post stays.
            let _ = reply.send(posted);
        }
    }

    /// The readers of each channel that got a post in this batch, one query per
    /// channel, after the entries went out to this node's followers.
    fn readers(
        &self,
        posts: &[PostAppend],
        outcomes: &[Result<Appended, StorageError>],
    ) -> HashMap<String, Arc<ChannelReaders>> {
        let mut groups: HashMap<&str, &Group> = HashMap::new();
        for (p, o) in posts.iter().zip(outcomes) {
            if p.entry.kind == EntryKind::Post && matches!(o, Ok(Appended::Stored { .. })) {
                groups.insert(p.group.id.as_str(), &p.group);
            }
        }
        if groups.is_empty() {
            return HashMap::new();
        }
        let read = self.db.run_blocking(|conn| {
            groups
                .values()
                .map(|g| Ok((g.id.clone(), ChannelReaders::of(conn, g)?)))
                .collect::<Result<HashMap<_, _>, StorageError>>()
        });
        read.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading the readers of new posts failed; each notification reads its own");
            HashMap::new()
        })
    }
}
