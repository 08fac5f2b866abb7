//! The care notebook (連絡帳): a channel's posts as the team reads them.
//!
//! Pure logic, no I/O: feed it the posts of one channel as they are opened
//! ([`Notebook::add`], in any order), then ask for the [`Entry`]s to show. The
//! notebook applies the rules that make a shared record trustworthy:
//!
//! * **Amendments, never edits.** A post with `amendment_of` replaces what is shown
//!   for the post it names, but the original and every earlier version stay in
//!   [`Entry::history`]. Only the original's author may amend, and only with the same
//!   content type; an amendment of an amendment counts as an amendment of the
//!   original. Amendments that break a rule are not applied and are listed by
//!   [`Notebook::rejected`], so a client can show them for what they are.
//! * **Out-of-order arrival.** Log order (the server's sequence number) decides, not
//!   arrival order: an amendment or take-over that arrives before the post it names
//!   waits ([`Notebook::pending`]) and is applied once that post arrives. A post that
//!   names a post *later* in the log is rejected: it cannot have meant it.
//! * **Handovers.** The first `handover_taken` post (by anyone in the channel) marks
//!   a handover as taken over; later ones are kept too.
//! * **Thresholds.** A vitals post is checked against the thresholds in force where
//!   it sits in the log: the latest `thresholds` post before it (as amended up to
//!   that point). An amended vitals post keeps its place, so it is checked against
//!   the same thresholds with its corrected readings.
//!
//! Each query recomputes the view from the posts held (O(n log n)), so the result
//! never depends on the order `add` was called in.

use std::collections::{BTreeMap, HashMap};

use kizuna_proto::{PostId, Timestamp, UserId};

use super::thresholds::Thresholds;
use super::vitals::VitalsAlert;
use crate::envelope::{ContentType, PostEnvelope, Urgency};
use crate::post::OpenedPost;

/// One opened post of the channel, with its place in the channel's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookPost {
    /// The server's sequence number for this post in the channel's log.
    pub seq: i64,
    /// The post.
    pub post: PostId,
    /// Its author, as authenticated when it was opened.
    pub author: UserId,
    /// When it was sent (from the authenticated header).
    pub sent_at: Timestamp,
    /// What it says.
    pub envelope: PostEnvelope,
}

impl NotebookPost {
    /// A post that [`open`](crate::post::open) accepted, at log position `seq`.
    pub fn opened(seq: i64, opened: OpenedPost) -> Self {
        Self {
            seq,
            post: opened.header.post,
            author: opened.header.author_user,
            sent_at: opened.header.sent_at,
            envelope: opened.envelope,
        }
    }
}

/// One post as the notebook shows it: the original with its amendments applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The post as first written.
    pub original: &'a NotebookPost,
    /// What to show: the latest accepted amendment, or the original.
    pub current: &'a NotebookPost,
    /// The original first, then each accepted amendment in log order.
    pub history: Vec<&'a NotebookPost>,
    /// For a handover: who took it over first, and when.
    pub taken_over: Option<(UserId, Timestamp)>,
    /// For a handover: every `handover_taken` post naming it, in log order (the
    /// first is the one that counts).
    pub take_overs: Vec<&'a NotebookPost>,
    /// For vitals: unusual readings, readings outside the thresholds in force, and
    /// whether that makes the post urgent.
    pub alert: Option<VitalsAlert>,
    /// The thresholds in force where this post sits in the log, if any.
    pub thresholds_in_force: Option<&'a Thresholds>,
}

impl Entry<'_> {
    /// How urgently to show this post: urgent when its author said so or when its
    /// vitals are outside the client's thresholds; otherwise what the author chose.
    pub fn effective_urgency(&self) -> Urgency {
        if self.alert.as_ref().is_some_and(|alert| alert.shown_as_urgent) {
            Urgency::Urgent
        } else {
            self.current.envelope.urgency
        }
    }

    /// True when at least one amendment was applied.
    pub fn is_amended(&self) -> bool {
        self.history.len() > 1
    }
}

/// Why a post was not applied to the notebook. The post itself is still there for a
/// client to show, marked as not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Someone other than the original's author tried to amend it.
    #[error("only the author of a post may amend it")]
    NotAuthor,
    /// An amendment tried to change the content type (e.g. vitals into a note).
    #[error("an amendment of a {original} post must also be a {original} post, not {amendment}")]
    ContentTypeChanged {
        /// The original's type.
        original: ContentType,
        /// The amendment's type.
        amendment: ContentType,
    },
    /// The post names a post that comes later in the log.
    #[error("refers to a post that comes later in the channel")]
    RefersToLaterPost,
    /// The post amends a post that was itself rejected.
    #[error("amends a post that was not accepted")]
    AmendsRejectedPost,
    /// Take-overs are not amended; post a new one instead.
    #[error("a take-over cannot be amended")]
    AmendsTakeOver,
    /// A `handover_taken` post names a post that is not a handover.
    #[error("takes over a post that is not a handover")]
    NotAHandover,
}

impl Rejection {
    /// The reason in Japanese, to show beside the post.
    pub fn ja(&self) -> String {
        match self {
            Rejection::NotAuthor => "投稿者本人以外は訂正できません".into(),
            Rejection::ContentTypeChanged { original, amendment } => {
                format!("{original} の投稿の訂正は {original} でなければなりません（{amendment} でした）")
            }
            Rejection::RefersToLaterPost => "後に投稿された投稿を参照しています".into(),
            Rejection::AmendsRejectedPost => "受け付けられなかった投稿を訂正しています".into(),
            Rejection::AmendsTakeOver => "引き継ぎの記録は訂正できません".into(),
            Rejection::NotAHandover => "申し送りではない投稿を引き継いでいます".into(),
        }
    }
}

/// One channel's posts, shown as the care notebook. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Notebook {
    /// Every post, by log position.
    posts: BTreeMap<i64, NotebookPost>,
    /// Log position of every post.
    seq_of: HashMap<PostId, i64>,
}

/// What a post turned out to be, during one pass over the log.
#[derive(Clone, Copy)]
enum Role {
    /// Starts entry `n`.
    Entry(usize),
    /// An accepted amendment of entry `n`.
    Amendment(usize),
    /// A take-over of entry `n`.
    TakeOver(usize),
    /// Not applied.
    Rejected,
    /// Waiting for the post it names.
    Pending,
}

/// The notebook computed from the posts held.
struct View<'a> {
    entries: Vec<Entry<'a>>,
    roles: HashMap<PostId, Role>,
    rejected: Vec<(PostId, Rejection)>,
    pending: Vec<PostId>,
    /// Entry holding the latest thresholds.
    thresholds: Option<usize>,
}

impl Notebook {
    /// An empty notebook.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an opened post. Returns false, leaving the notebook unchanged, when the
    /// post or its sequence number is already there (a redelivery).
    pub fn add(&mut self, post: NotebookPost) -> bool {
        if self.seq_of.contains_key(&post.post) || self.posts.contains_key(&post.seq) {
            return false;
        }
        self.seq_of.insert(post.post, post.seq);
        self.posts.insert(post.seq, post);
        true
    }

    /// How many posts the notebook holds (of every kind).
    pub fn len(&self) -> usize {
        self.posts.len()
    }

    /// True when no post was added yet.
    pub fn is_empty(&self) -> bool {
        self.posts.is_empty()
    }

    /// One entry per original post (amendments and take-overs are folded into the
    /// entry they belong to), in log order.
    pub fn entries(&self) -> Vec<Entry<'_>> {
        self.view().entries
    }

    /// The entry a post belongs to: the post itself if it is an original, or the
    /// original it amends or takes over.
    pub fn entry(&self, post: PostId) -> Option<Entry<'_>> {
        let mut view = self.view();
        let index = match view.roles.get(&post)? {
            Role::Entry(n) | Role::Amendment(n) | Role::TakeOver(n) => *n,
            Role::Rejected | Role::Pending => return None,
        };
        Some(view.entries.swap_remove(index))
    }

    /// Posts not applied, with the reason, in log order.
    pub fn rejected(&self) -> Vec<(PostId, Rejection)> {
        self.view().rejected
    }

    /// Amendments and take-overs waiting for the post they name, in log order.
    pub fn pending(&self) -> Vec<PostId> {
        self.view().pending
    }

    /// The thresholds in force now: the current version of the latest `thresholds`
    /// post, if any.
    pub fn thresholds(&self) -> Option<&Thresholds> {
        let view = self.view();
        let entry = view.entries.get(view.thresholds?)?;
        entry.current.envelope.thresholds.as_deref()
    }

    /// Entries shown as urgent ([`Entry::effective_urgency`]) whose current version
    /// comes after `read_up_to_seq`: what this reader still has to look at.
    pub fn unread_urgent(&self, read_up_to_seq: i64) -> Vec<Entry<'_>> {
        self.view()
            .entries
            .into_iter()
            .filter(|entry| {
                entry.current.seq > read_up_to_seq && entry.effective_urgency() == Urgency::Urgent
            })
            .collect()
    }

    /// Handovers nobody has taken over yet, in log order.
    pub fn open_handovers(&self) -> Vec<Entry<'_>> {
        self.view()
            .entries
            .into_iter()
            .filter(|entry| {
                entry.original.envelope.content_type == ContentType::Handover && entry.taken_over.is_none()
            })
            .collect()
    }

    /// One pass over the log in sequence order.
    fn view(&self) -> View<'_> {
        let mut view = View {
            entries: Vec::new(),
            roles: HashMap::new(),
            rejected: Vec::new(),
            pending: Vec::new(),
            thresholds: None,
        };
        for post in self.posts.values() {
            let role = if let Some(target) = post.envelope.amendment_of {
                self.amend(&mut view, post, target)
            } else if post.envelope.content_type == ContentType::HandoverTaken {
                self.take_over(&mut view, post)
            } else {
                let thresholds_in_force = view
                    .thresholds
                    .and_then(|n| view.entries[n].current.envelope.thresholds.as_deref());
                if post.envelope.content_type == ContentType::Thresholds {
                    view.thresholds = Some(view.entries.len());
                }
                view.entries.push(Entry {
                    original: post,
                    current: post,
                    history: vec![post],
                    taken_over: None,
                    take_overs: Vec::new(),
                    alert: None,
                    thresholds_in_force,
                });
                Ok(Role::Entry(view.entries.len() - 1))
            };
            let role = match role {
                Ok(role) => role,
                Err(rejection) => {
                    view.rejected.push((post.post, rejection));
                    Role::Rejected
                }
            };
            if let Role::Pending = role {
                view.pending.push(post.post);
            }
            view.roles.insert(post.post, role);
        }
        for entry in &mut view.entries {
            entry.alert = entry
                .current
                .envelope
                .vitals
                .as_ref()
                .map(|vitals| vitals.alert(entry.thresholds_in_force));
        }
        view
    }

    /// Where `post`'s reference to `target` points, during the pass: an entry, a
    /// post not applied, or nothing known yet.
    fn resolve(&self, view: &View<'_>, target: PostId) -> Result<Role, Rejection> {
        match view.roles.get(&target) {
            Some(role) => Ok(*role),
            // Held but not reached yet: it comes later in the log.
            None if self.seq_of.contains_key(&target) => Err(Rejection::RefersToLaterPost),
            None => Ok(Role::Pending),
        }
    }

    fn amend<'a>(
        &'a self,
        view: &mut View<'a>,
        post: &'a NotebookPost,
        target: PostId,
    ) -> Result<Role, Rejection> {
        let index = match self.resolve(view, target)? {
            Role::Entry(n) | Role::Amendment(n) => n,
            Role::TakeOver(_) => return Err(Rejection::AmendsTakeOver),
            Role::Rejected => return Err(Rejection::AmendsRejectedPost),
            Role::Pending => return Ok(Role::Pending),
        };
        let entry = &mut view.entries[index];
        if post.author != entry.original.author {
            return Err(Rejection::NotAuthor);
        }
        let (original, amendment) = (entry.original.envelope.content_type, post.envelope.content_type);
        if original != amendment {
            return Err(Rejection::ContentTypeChanged { original, amendment });
        }
        entry.current = post;
        entry.history.push(post);
        Ok(Role::Amendment(index))
    }

    fn take_over<'a>(&'a self, view: &mut View<'a>, post: &'a NotebookPost) -> Result<Role, Rejection> {
        // validate() guarantees the field on every opened handover_taken post.
        let Some(target) = post.envelope.taken_over else {
            return Err(Rejection::NotAHandover);
        };
        let index = match self.resolve(view, target)? {
            Role::Entry(n) | Role::Amendment(n) => n,
            Role::TakeOver(_) | Role::Rejected => return Err(Rejection::NotAHandover),
            Role::Pending => return Ok(Role::Pending),
        };
        let entry = &mut view.entries[index];
        if entry.original.envelope.content_type != ContentType::Handover {
            return Err(Rejection::NotAHandover);
        }
        entry.taken_over.get_or_insert((post.author, post.sent_at));
        entry.take_overs.push(post);
        Ok(Role::TakeOver(index))
    }
}

#[cfg(test)]
#[path = "notebook_tests.rs"]
mod tests;
