//! Segment-order grammars: a tiny regular-expression engine over segment names.
//!
//! Patterns are written like the HL7 abstract message syntax: `MSH SFT* (PID PD1? NTE*)? (ORC
//! (TQ1 TQ2*)* RXE+)+`, with `?`, `*`, `+`, groups and `|` alternation, `.` for any segment.
//! They compile to a Thompson NFA that is simulated with state sets (a Pike VM), so matching is
//! linear in the number of segments whatever the pattern, and the first segment no state
//! accepts is exactly where the message goes wrong — with the set of segments that *would* have
//! been accepted there.

/// A compiled segment grammar.
#[derive(Debug, Clone)]
pub struct Grammar {
    program: Vec<Inst>,
    /// For each instruction, the consuming instructions (and `Match`) reachable from it
    /// without consuming a segment: the epsilon closure, computed once at compile time so
    /// matching allocates almost nothing.
    closures: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inst {
    Segment([u8; 3]),
    Any,
    Split(usize, usize),
    Jump(usize),
    Match,
}

#[derive(Debug, Clone)]
enum Node {
    Segment([u8; 3]),
    Any,
    Sequence(Vec<Node>),
    Alternation(Vec<Node>),
    Optional(Box<Node>),
    Star(Box<Node>),
    Plus(Box<Node>),
}

/// A pattern that does not compile (a programming error in a built-in grammar, or a bad
/// user-supplied one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("segment grammar error at character {position}: {detail}")]
pub struct GrammarError {
    /// Character position in the pattern.
    pub position: usize,
    /// What is wrong.
    pub detail: String,
}

/// Where a segment list stops matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// 0-based index into the segment list; equal to its length when the message ended early.
    pub index: usize,
    /// The segment found there (`None` at the end of the message).
    pub found: Option<String>,
    /// The segments the grammar would have accepted there, sorted; `"end of message"` when the
    /// message could have ended.
    pub expected: Vec<String>,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    _pattern: &'a str,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn error(&self, detail: &str) -> GrammarError {
        GrammarError {
            position: self.pos,
            detail: detail.to_owned(),
        }
    }

    fn alternation(&mut self) -> Result<Node, GrammarError> {
        let mut branches = vec![self.sequence()?];
        loop {
            self.skip_ws();
            if self.chars.get(self.pos) == Some(&'|') {
                self.pos += 1;
                branches.push(self.sequence()?);
            } else {
                break;
            }
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Alternation(branches)
        })
    }

    fn sequence(&mut self) -> Result<Node, GrammarError> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.chars.get(self.pos) {
                None | Some(')') | Some('|') => break,
                _ => items.push(self.repeat()?),
            }
        }
        if items.is_empty() {
            return Err(self.error("empty sequence"));
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Sequence(items)
        })
    }

    fn repeat(&mut self) -> Result<Node, GrammarError> {
        let mut node = self.atom()?;
        loop {
            match self.chars.get(self.pos) {
                Some('?') => node = Node::Optional(Box::new(node)),
                Some('*') => node = Node::Star(Box::new(node)),
                Some('+') => node = Node::Plus(Box::new(node)),
                _ => return Ok(node),
            }
            self.pos += 1;
        }
    }

    fn atom(&mut self) -> Result<Node, GrammarError> {
        match self.chars.get(self.pos) {
            Some('(') => {
                self.pos += 1;
                let node = self.alternation()?;
                self.skip_ws();
                if self.chars.get(self.pos) != Some(&')') {
                    return Err(self.error("expected ')'"));
                }
                self.pos += 1;
                Ok(node)
            }
            Some('.') => {
                self.pos += 1;
                Ok(Node::Any)
            }
            Some(c) if c.is_ascii_uppercase() => {
                let name: Vec<char> = self.chars[self.pos..].iter().take(3).copied().collect();
                if name.len() != 3
                    || !name
                        .iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                {
                    return Err(self.error("segment names are three upper-case letters or digits"));
                }
                self.pos += 3;
                Ok(Node::Segment([name[0] as u8, name[1] as u8, name[2] as u8]))
            }
            _ => Err(self.error("expected a segment name, '(' or '.'")),
        }
    }
}

fn emit(node: &Node, program: &mut Vec<Inst>) {
    match node {
        Node::Segment(name) => program.push(Inst::Segment(*name)),
        Node::Any => program.push(Inst::Any),
        Node::Sequence(items) => items.iter().for_each(|n| emit(n, program)),
        Node::Alternation(branches) => {
            let mut jumps = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(branch, program);
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    let next = program.len();
                    program[split] = Inst::Split(split + 1, next);
                } else {
                    emit(branch, program);
                }
            }
            let end = program.len();
            for j in jumps {
                program[j] = Inst::Jump(end);
            }
        }
        Node::Optional(inner) => {
            let split = program.len();
            program.push(Inst::Split(split + 1, 0));
            emit(inner, program);
            let end = program.len();
            program[split] = Inst::Split(split + 1, end);
        }
        Node::Star(inner) => {
            let split = program.len();
            program.push(Inst::Split(split + 1, 0));
            emit(inner, program);
            program.push(Inst::Jump(split));
            let end = program.len();
            program[split] = Inst::Split(split + 1, end);
        }
        Node::Plus(inner) => {
            let start = program.len();
            emit(inner, program);
            let split = program.len();
            program.push(Inst::Split(start, split + 1));
        }
    }
}

impl Grammar {
    /// Compile a pattern.
    ///
    /// ```
    /// use idlink_formats::hl7::grammar::Grammar;
    /// let g = Grammar::compile("MSH EVN PID (PV1 PV2?)?")?;
    /// assert!(g.check(&["MSH", "EVN", "PID"]).is_ok());
    /// let err = g.check(&["MSH", "PID"]).unwrap_err();
    /// assert_eq!((err.index, err.expected.as_slice()), (1, &["EVN".to_string()][..]));
    /// # Ok::<(), idlink_formats::hl7::grammar::GrammarError>(())
    /// ```
    pub fn compile(pattern: &str) -> Result<Grammar, GrammarError> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            _pattern: pattern,
        };
        let node = parser.alternation()?;
        parser.skip_ws();
        if parser.pos != parser.chars.len() {
            return Err(parser.error("unexpected character"));
        }
        let mut program = Vec::new();
        emit(&node, &mut program);
        program.push(Inst::Match);
        let mut grammar = Grammar {
            program,
            closures: Vec::new(),
        };
        let mut seen = vec![false; grammar.program.len()];
        grammar.closures = (0..grammar.program.len())
            .map(|pc| {
                seen.iter_mut().for_each(|s| *s = false);
                let mut set = Vec::new();
                grammar.closure(pc, &mut set, &mut seen);
                set.into_iter().map(|p| p as u32).collect()
            })
            .collect();
        Ok(grammar)
    }

    /// Add `pc` and everything reachable from it without consuming a segment.
    fn closure(&self, pc: usize, set: &mut Vec<usize>, seen: &mut [bool]) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if seen[pc] {
                continue;
            }
            seen[pc] = true;
            match self.program[pc] {
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Jump(a) => stack.push(a),
                _ => set.push(pc),
            }
        }
    }

    fn expected(&self, states: &[usize]) -> Vec<String> {
        let mut names: Vec<String> = states
            .iter()
            .map(|pc| match &self.program[*pc] {
                Inst::Segment(n) => String::from_utf8_lossy(n).into_owned(),
                Inst::Any => "any segment".to_owned(),
                _ => "end of message".to_owned(),
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Match a whole segment list.
    pub fn check<S: AsRef<str>>(&self, segments: &[S]) -> Result<(), Mismatch> {
        // `mark[pc] == step` means pc is already in the set for this step.
        let mut mark = vec![u32::MAX; self.program.len()];
        let mut current: Vec<usize> = Vec::with_capacity(16);
        let mut next: Vec<usize> = Vec::with_capacity(16);
        let add = |pc: usize, set: &mut Vec<usize>, mark: &mut [u32], step: u32| {
            for &q in &self.closures[pc] {
                let q = q as usize;
                if mark[q] != step {
                    mark[q] = step;
                    set.push(q);
                }
            }
        };
        add(0, &mut current, &mut mark, 0);
        for (index, segment) in segments.iter().enumerate() {
            let step = index as u32 + 1;
            let name = segment.as_ref().as_bytes();
            next.clear();
            for &pc in &current {
                let accepts = match &self.program[pc] {
                    Inst::Segment(n) => n.as_slice() == name,
                    Inst::Any => true,
                    _ => false,
                };
                if accepts {
                    add(pc + 1, &mut next, &mut mark, step);
                }
            }
            if next.is_empty() {
                return Err(Mismatch {
                    index,
                    found: Some(segment.as_ref().to_owned()),
                    expected: self.expected(&current),
                });
            }
            std::mem::swap(&mut current, &mut next);
        }
        if current.iter().any(|pc| self.program[*pc] == Inst::Match) {
            Ok(())
        } else {
            Err(Mismatch {
                index: segments.len(),
                found: None,
                expected: self.expected(&current),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_nested_groups_and_alternation() {
        let g = Grammar::compile("MSH (ORC (TQ1 TQ2*)* RXE (TQ1 TQ2*)+ RXR+)+ (ZZA|ZZB)?").unwrap();
        assert!(g.check(&["MSH", "ORC", "RXE", "TQ1", "RXR"]).is_ok());
        assert!(
            g.check(&[
                "MSH", "ORC", "TQ1", "RXE", "TQ1", "TQ2", "RXR", "ORC", "RXE", "TQ1", "RXR", "ZZB"
            ])
            .is_ok()
        );
        let err = g.check(&["MSH", "ORC", "RXE", "RXR"]).unwrap_err();
        assert_eq!(err.index, 3);
        assert_eq!(err.expected, vec!["TQ1".to_string()]);
        let err = g.check(&["MSH", "ORC"]).unwrap_err();
        assert_eq!((err.index, err.found), (2, None));
    }

    #[test]
    fn star_of_nullable_group_terminates() {
        let g = Grammar::compile("MSH (PID?)* .").unwrap();
        assert!(g.check(&["MSH", "ZZZ"]).is_ok());
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(Grammar::compile("MSH (PID").is_err());
        assert!(Grammar::compile("MS").is_err());
    }
}
