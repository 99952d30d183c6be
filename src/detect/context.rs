//! Context keywords: words near a value (or the column it sits in) that
//! raise a detector's confidence, in Kazakh, Russian and English.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

struct Keyword {
    /// Detectors (engine indices) this keyword speaks for.
    detectors: Vec<usize>,
    /// Written with a trailing `*` in the detector file: any word ending may
    /// follow (Russian and Kazakh inflect: `телефон*` → `телефона`, `телефону`).
    stem: bool,
}

/// One automaton over every detector's keywords.
pub struct ContextIndex {
    /// A contiguous NFA, cheap to build: a one-file scan (a pre-commit
    /// hook) searches a handful of windows, and building the DFA was most
    /// of its start-up (~45 M instructions of 64 M).
    ac: Option<AhoCorasick>,
    /// The same patterns as a DFA, built once a run has searched enough
    /// windows for its faster search to pay for building it.
    faster: Option<Faster>,
    keywords: Vec<Keyword>,
    /// Bytes in each detector's shortest keyword: a shorter window holds
    /// none of its keywords, and is not searched (a value at the start of
    /// its line has an empty one; a document number in a table, `|Zibo`).
    /// Per detector, not over all keywords: `ip` is two bytes, and each of
    /// the 220,000 nine-digit prefixes of a phone geocoding table cost a
    /// search of its few bytes for a document word (these searches: 160 M
    /// → 104 M instructions on the registry tree).
    shortest: Vec<usize>,
    /// Per detector, a regex of its keywords alone, built the first time a
    /// scan asks where in a long stretch of text the first of them ends
    /// ([`ContextIndex::first_end`]).
    alone: Vec<OnceLock<Option<regex::Regex>>>,
    /// The automata's patterns: `keywords[i]` says whose `patterns[i]` is.
    patterns: Vec<String>,
}

struct Faster {
    dfa: OnceLock<Option<AhoCorasick>>,
    searches: AtomicUsize,
}

/// Searches after which the DFA is built (~45 M instructions). An NFA
/// search of a window costs more than a DFA search (with 100,000 here, a
/// source tree's scan took 62 M more, the NFA's build included), so a
/// scan that searches this many windows is soon better off with the DFA,
/// and a pre-commit run over a few files never builds it.
const DFA_AFTER: usize = 10_000;

fn automaton(patterns: &[String], kind: AhoCorasickKind) -> Result<AhoCorasick, String> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(kind))
        .build(patterns)
        .map_err(|e| e.to_string())
}

impl ContextIndex {
    /// `words[i]` are detector `i`'s keywords as written in its file.
    pub fn build(words: &[Vec<String>]) -> Result<ContextIndex, String> {
        Self::build_as(words, true)
    }

    /// Like [`ContextIndex::build`], for words searched seldom (a
    /// detector's supporting words, near its candidates only): an NFA,
    /// which costs a one-file scan's start far less to build than a DFA.
    pub fn build_seldom(words: &[Vec<String>]) -> Result<ContextIndex, String> {
        Self::build_as(words, false)
    }

    fn build_as(words: &[Vec<String>], often: bool) -> Result<ContextIndex, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        for (det, list) in words.iter().enumerate() {
            for w in list {
                let (word, stem) = match w.strip_suffix('*') {
                    Some(w) => (w, true),
                    None => (w.as_str(), false),
                };
                if word.trim().is_empty() {
                    return Err(format!("empty context keyword {w:?}"));
                }
                // The automaton folds ASCII case only; Cyrillic keywords are
                // added as written, lower, upper and capitalised.
                let mut variants = vec![word.to_string(), word.to_lowercase(), word.to_uppercase()];
                let lower = word.to_lowercase();
                let mut cs = lower.chars();
                if let Some(f) = cs.next() {
                    variants.push(f.to_uppercase().chain(cs).collect());
                }
                variants.sort();
                variants.dedup();
                for v in variants {
                    match patterns.iter().position(|p| p.eq_ignore_ascii_case(&v)) {
                        Some(i) => {
                            let k = &mut keywords[i];
                            if !k.detectors.contains(&det) {
                                k.detectors.push(det);
                            }
                            k.stem |= stem;
                        }
                        None => {
                            patterns.push(v);
                            keywords.push(Keyword {
                                detectors: vec![det],
                                stem,
                            });
                        }
                    }
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(automaton(&patterns, AhoCorasickKind::ContiguousNFA)?)
        };
        let mut shortest = vec![usize::MAX; words.len()];
        for (pattern, keyword) in patterns.iter().zip(&keywords) {
            for &det in &keyword.detectors {
                shortest[det] = shortest[det].min(pattern.len());
            }
        }
        let faster = (often && ac.is_some()).then(|| Faster {
            dfa: OnceLock::new(),
            searches: AtomicUsize::new(0),
        });
        Ok(ContextIndex {
            ac,
            faster,
            keywords,
            shortest,
            alone: (0..words.len()).map(|_| OnceLock::new()).collect(),
            patterns,
        })
    }

    /// The automaton to search with: the DFA once it is built or due, the
    /// NFA before. Both find the same matches (same patterns, same kind).
    fn searcher(&self) -> Option<&AhoCorasick> {
        if let Some(f) = &self.faster {
            if let Some(Some(dfa)) = f.dfa.get() {
                return Some(dfa);
            }
            if f.searches.fetch_add(1, Ordering::Relaxed) >= DFA_AFTER {
                let dfa = f.dfa.get_or_init(|| {
                    // The NFA from the same patterns was built: so is this.
                    automaton(&self.patterns, AhoCorasickKind::DFA).ok()
                });
                if let Some(dfa) = dfa {
                    return Some(dfa);
                }
            }
        }
        self.ac.as_ref()
    }

    /// The detectors `name` (a column name, header or key path) holds a
    /// keyword of, as a word.
    pub fn mentioned_by(&self, name: &str) -> FieldContext {
        let Some(ac) = self.searcher() else {
            return FieldContext::default();
        };
        let mut set = FieldContext::default();
        for m in ac.find_iter(name) {
            let k = &self.keywords[m.pattern().as_usize()];
            if is_word(name, m.start(), m.end(), k.stem) {
                for &det in &k.detectors {
                    if det < 64 {
                        set.0 |= 1 << det;
                    }
                }
            }
        }
        set
    }

    /// Where the first of detector `det`'s keywords in `hay` to end ends,
    /// as a word or inside one and in any letter case; `None` when it holds
    /// none. No window of `hay` that ends before that holds one that
    /// [`mentions`] would find.
    ///
    /// Not by the automaton [`mentions`] searches with: that one finds
    /// every detector's keywords leftmost-longest, so that a keyword of
    /// `det` overlapped by a longer one of another detector starting before
    /// it would be passed over here, while a window beginning after the
    /// other finds it. This searches for `det`'s keywords alone, in every
    /// case (more than [`mentions`] accepts, which only moves the end
    /// earlier), stopping at the first match: by a regex, whose lazy DFA
    /// costs less a byte here than an aho-corasick DFA (~16 instructions a
    /// byte on a phone geocoding table) and far less to build than a
    /// fully built case-folding DFA (~60 M).
    ///
    /// [`mentions`]: ContextIndex::mentions
    pub fn first_end(&self, hay: &str, det: usize) -> Option<usize> {
        let cell = self.alone.get(det)?;
        let re = cell.get_or_init(|| {
            let mut own: Vec<String> = self
                .patterns
                .iter()
                .zip(&self.keywords)
                .filter(|(_, k)| k.detectors.contains(&det))
                .map(|(p, _)| regex::escape(&p.to_lowercase()))
                .collect();
            own.sort();
            own.dedup();
            regex::RegexBuilder::new(&own.join("|"))
                .case_insensitive(true)
                .build()
                .ok()
        });
        match re {
            Some(re) => re.shortest_match(hay),
            // Never: the words were escaped. Claim a keyword at once, which
            // makes the caller look again later.
            None => Some(1),
        }
    }

    /// Does `hay` hold, as a word, a keyword of detector `det`?
    pub fn mentions(&self, hay: &str, det: usize) -> bool {
        if hay.len() < self.shortest.get(det).copied().unwrap_or(usize::MAX) {
            return false;
        }
        let Some(ac) = self.searcher() else {
            return false;
        };
        ac.find_iter(hay).any(|m| {
            let k = &self.keywords[m.pattern().as_usize()];
            k.detectors.contains(&det) && is_word(hay, m.start(), m.end(), k.stem)
        })
    }
}

/// The detectors whose keywords a field's name holds, worked out once per
/// name so that each of a column's million values need not search it.
/// (Only the first 64 detectors are tracked; a user detector beyond them
/// takes its context from the text around the value alone.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldContext(u64);

impl FieldContext {
    pub fn raises(self, det: usize) -> bool {
        det < 64 && self.0 & (1 << det) != 0
    }
}

/// The keyword at `start..end` stands as a word of its own: no letter
/// glued before it, and none after unless the keyword is a stem. A case
/// change counts as a word break (`clientIin`, `phoneNumber`).
fn is_word(hay: &str, start: usize, end: usize, stem: bool) -> bool {
    let before = hay[..start].chars().next_back();
    let first = hay[start..end].chars().next();
    let last = hay[..end].chars().next_back();
    let after = hay[end..].chars().next();
    let camel_before =
        matches!((before, first), (Some(b), Some(f)) if b.is_lowercase() && f.is_uppercase());
    let camel_after =
        matches!((last, after), (Some(l), Some(a)) if l.is_lowercase() && a.is_uppercase());
    let left_ok = !matches!(before, Some(c) if c.is_alphabetic()) || camel_before;
    let right_ok = stem || !matches!(after, Some(c) if c.is_alphabetic()) || camel_after;
    left_ok && right_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ContextIndex {
        ContextIndex::build(&[
            vec!["ИИН".into(), "iin".into(), "жсн".into()],
            vec!["телефон*".into(), "phone".into(), "тел".into()],
        ])
        .unwrap()
    }

    #[test]
    fn words_in_any_case() {
        let ix = index();
        assert!(ix.mentions("ИИН: ", 0));
        assert!(ix.mentions("иин клиента ", 0));
        assert!(ix.mentions("client_iin=", 0));
        assert!(ix.mentions("clientIin\":\"", 0));
        assert!(ix.mentions("ЖСН ", 0));
        assert!(!ix.mentions("phone: ", 0));
        assert!(ix.mentions("Телефону: ", 1));
        assert!(ix.mentions("phoneNumber", 1));
        assert!(ix.mentions("тел.", 1));
    }

    #[test]
    fn glued_words_do_not_count() {
        let ix = index();
        assert!(!ix.mentions("tiinx ", 0));
        assert!(!ix.mentions("telephones", 1));
        assert!(!ix.mentions("телега", 1));
    }

    #[test]
    fn first_end_finds_every_occurrence_earliest_end_first() {
        let ix = index();
        assert_eq!(ix.first_end("order 42, total 7", 0), None);
        assert_eq!(ix.first_end("номер ИИН: 1", 0), Some("номер ИИН".len()));
        // Inside a word, and in a case `mentions` would not take: a
        // superset only moves the end earlier.
        assert_eq!(ix.first_end("телега", 1), Some("тел".len()));
        assert_eq!(ix.first_end("xx ИиН", 0), Some("xx ИиН".len()));
        // Of two overlapping, the one that ends first.
        assert_eq!(ix.first_end("телефон", 1), Some("тел".len()));
        assert_eq!(ix.first_end("телефон", 0), None);
    }
}
