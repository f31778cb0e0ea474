//! Glob matching as the reference server does it (minimatch with
//! `{dot: true}`) on relative paths: brace expansion, `**` across
//! directories, `*`, `?`, `[...]` classes, `\` escapes, a leading `!`
//! negating and a leading `#` matching nothing. Extended globs
//! (`+(a|b)` and the like) are not supported and match literally.

/// Whether `path` (`a/b/c`, relative, no `.` or `..` parts) matches `pattern`.
pub fn matches(path: &str, pattern: &str) -> bool {
    if pattern.starts_with('#') {
        return false;
    }
    let bangs = pattern.chars().take_while(|&c| c == '!').count();
    let pattern = &pattern[bangs..];
    let file: Vec<&str> = path.split('/').collect();
    let hit = expand_braces(pattern).iter().any(|p| {
        let parts: Vec<&str> = p.split('/').collect();
        match_parts(&parts, &file)
    });
    hit != (bangs % 2 == 1)
}

/// Segments against segments, `**` spanning any number of them (at least
/// one at the end of the pattern, as minimatch has it). Memoised on the two
/// positions, so no pattern takes more than their product in steps.
fn match_parts(pattern: &[&str], file: &[&str]) -> bool {
    let mut pattern = pattern.to_vec();
    pattern.dedup_by(|a, b| *a == "**" && *b == "**");
    let mut memo = vec![None; (pattern.len() + 1) * (file.len() + 1)];
    parts_from(&pattern, file, 0, 0, &mut memo)
}

fn parts_from(p: &[&str], f: &[&str], pi: usize, fi: usize, memo: &mut [Option<bool>]) -> bool {
    let key = pi * (f.len() + 1) + fi;
    if let Some(known) = memo[key] {
        return known;
    }
    let hit = match p.get(pi) {
        None => fi == f.len(),
        Some(&"**") if pi + 1 == p.len() => fi < f.len(),
        Some(&"**") => (fi..=f.len()).any(|skip| parts_from(p, f, pi + 1, skip, memo)),
        Some(seg) => fi < f.len() && match_segment(seg, f[fi]) && parts_from(p, f, pi + 1, fi + 1, memo),
    };
    memo[key] = Some(hit);
    hit
}

/// One path segment against one pattern segment.
fn match_segment(pattern: &str, name: &str) -> bool {
    // With `dot`, wildcards match names starting with a dot, but never `.`
    // or `..` themselves.
    if (name == "." || name == "..") && pattern != name {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let mut memo = vec![None; (p.len() + 1) * (n.len() + 1)];
    match_here(&p, &n, 0, 0, &mut memo)
}

fn match_here(p: &[char], n: &[char], pi: usize, ni: usize, memo: &mut [Option<bool>]) -> bool {
    let key = pi * (n.len() + 1) + ni;
    if let Some(known) = memo[key] {
        return known;
    }
    let c = n.get(ni).copied();
    let hit = match p.get(pi) {
        None => ni == n.len(),
        Some('*') => (ni..=n.len()).any(|i| match_here(p, n, pi + 1, i, memo)),
        Some('?') => c.is_some() && match_here(p, n, pi + 1, ni + 1, memo),
        Some('[') => match class(&p[pi..]) {
            Some((set, len)) => c.is_some_and(|c| set.contains(c)) && match_here(p, n, pi + len, ni + 1, memo),
            None => c == Some('[') && match_here(p, n, pi + 1, ni + 1, memo),
        },
        Some('\\') if pi + 1 < p.len() => c == Some(p[pi + 1]) && match_here(p, n, pi + 2, ni + 1, memo),
        Some(&lit) => c == Some(lit) && match_here(p, n, pi + 1, ni + 1, memo),
    };
    memo[key] = Some(hit);
    hit
}

/// A bracket expression and how many pattern characters it took.
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
    named: Vec<String>,
}

impl Class {
    fn contains(&self, c: char) -> bool {
        let hit = self.ranges.iter().any(|&(a, b)| a <= c && c <= b)
            || self.named.iter().any(|n| match n.as_str() {
                "alnum" => c.is_alphanumeric(),
                "alpha" => c.is_alphabetic(),
                "ascii" => c.is_ascii(),
                "blank" => c == ' ' || c == '\t',
                "cntrl" => c.is_control(),
                "digit" => c.is_ascii_digit(),
                "graph" => !c.is_whitespace() && !c.is_control(),
                "lower" => c.is_lowercase(),
                "print" => !c.is_control(),
                "punct" => c.is_ascii_punctuation(),
                "space" => c.is_whitespace(),
                "upper" => c.is_uppercase(),
                "word" => c.is_alphanumeric() || c == '_',
                "xdigit" => c.is_ascii_hexdigit(),
                _ => false,
            });
        hit != self.negated
    }
}

fn class(p: &[char]) -> Option<(Class, usize)> {
    let mut i = 1;
    let negated = matches!(p.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut class = Class { negated, ranges: Vec::new(), named: Vec::new() };
    let start = i;
    loop {
        let c = *p.get(i)?;
        if c == ']' && i > start {
            return Some((class, i + 1));
        }
        if c == '[' && p.get(i + 1) == Some(&':') {
            let close = (i + 2..p.len().saturating_sub(1)).find(|&j| p[j] == ':' && p[j + 1] == ']')?;
            class.named.push(p[i + 2..close].iter().collect());
            i = close + 2;
            continue;
        }
        let (lo, used) = if c == '\\' { (*p.get(i + 1)?, 2) } else { (c, 1) };
        i += used;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&e| e != ']') {
            let (hi, used) = if p[i + 1] == '\\' { (*p.get(i + 2)?, 3) } else { (p[i + 1], 2) };
            class.ranges.push((lo, hi));
            i += used;
        } else {
            class.ranges.push((lo, lo));
        }
    }
}

/// At most this many patterns come out of one brace expansion, and braces
/// nest at most this deep (deeper ones stay literal): a pattern cannot make
/// the host do unbounded work.
const MAX_EXPANSIONS: usize = 10_000;
const MAX_NESTING: usize = 16;

/// Bash-style brace expansion: `a{b,c}d` is `abd` and `acd`, `{1..3}` is
/// `1`, `2`, `3`; a brace with neither a comma nor a range is literal.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    expand(pattern, 0)
}

fn expand(pattern: &str, depth: usize) -> Vec<String> {
    if depth > MAX_NESTING {
        return vec![pattern.to_string()];
    }
    let chars: Vec<char> = pattern.chars().collect();
    let Some((open, close)) = outer_brace(&chars) else { return vec![pattern.to_string()] };
    let pre: String = chars[..open].iter().collect();
    let body: String = chars[open + 1..close].iter().collect();
    let post: String = chars[close + 1..].iter().collect();
    let alternatives = match split_top(&body) {
        parts if parts.len() > 1 => parts,
        _ => match sequence(&body) {
            Some(seq) => seq,
            None => {
                // Literal braces: keep them and expand what follows.
                return expand(&post, depth + 1).into_iter().map(|p| format!("{pre}{{{body}}}{p}")).collect();
            }
        },
    };
    let tails = expand(&post, depth + 1);
    let mut out = Vec::new();
    for alt in alternatives {
        for a in expand(&alt, depth + 1) {
            for t in &tails {
                if out.len() == MAX_EXPANSIONS {
                    return out;
                }
                out.push(format!("{pre}{a}{t}"));
            }
        }
    }
    out
}

/// The first `{` with its matching `}`, skipping escaped braces.
fn outer_brace(chars: &[char]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => {
                let mut depth = 0;
                let mut j = i;
                while j < chars.len() {
                    match chars[j] {
                        '\\' => j += 1,
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some((i, j));
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                return None;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `a,{b,c},d` split at its top-level commas.
fn split_top(body: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    let mut escaped = false;
    for c in body.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth -= 1;
        } else if c == ',' && depth == 0 {
            parts.push(String::new());
            continue;
        }
        parts.last_mut().expect("one part").push(c);
    }
    parts
}

/// `1..5`, `a..e`, `1..10..2`.
fn sequence(body: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = body.split("..").collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let step = match parts.get(2) {
        Some(s) => s.parse::<i64>().ok()?.unsigned_abs().max(1),
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let width = if [parts[0], parts[1]].iter().any(|p| p.trim_start_matches('-').starts_with('0') && p.len() > 1) {
            parts[0].len().max(parts[1].len())
        } else {
            0
        };
        let n = (a.abs_diff(b) / step).min(MAX_EXPANSIONS as u64);
        let dir = if a <= b { 1 } else { -1 };
        return Some((0..=n).map(|i| format!("{:0width$}", a + dir * (i * step) as i64, width = width)).collect());
    }
    let (a, b) = (single(parts[0])?, single(parts[1])?);
    let n = (a as u32).abs_diff(b as u32) as u64 / step;
    let dir: i64 = if a <= b { 1 } else { -1 };
    (0..=n).map(|i| char::from_u32((a as i64 + dir * (i * step) as i64) as u32).map(String::from)).collect()
}

fn single(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}
