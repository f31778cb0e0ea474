//! The unified diff `edit_file` answers with, line for line what the
//! reference server's `createTwoFilesPatch` (jsdiff 8) writes: the same
//! Myers walk (so the same hunks where several diffs are minimal), four
//! lines of context, and the same headers.

/// A run of lines: common, added or removed.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Same,
    Added,
    Removed,
}

struct Component {
    count: usize,
    kind: Kind,
    previous: Option<usize>,
}

#[derive(Clone, Copy)]
struct Path {
    old_pos: isize,
    last: Option<usize>,
}

/// Lines with their newline, as jsdiff's line tokenizer splits them.
fn tokenize(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// jsdiff's `diffLines`: runs of (kind, lines).
fn diff_lines<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<(Kind, Vec<&'a str>)> {
    let mut arena: Vec<Component> = Vec::new();
    let (old_len, new_len) = (old.len() as isize, new.len() as isize);
    let extract_common = |path: &mut Path, diagonal: isize, arena: &mut Vec<Component>| -> isize {
        let mut old_pos = path.old_pos;
        let mut new_pos = old_pos - diagonal;
        let mut common = 0;
        while new_pos + 1 < new_len
            && old_pos + 1 < old_len
            && old[(old_pos + 1) as usize] == new[(new_pos + 1) as usize]
        {
            new_pos += 1;
            old_pos += 1;
            common += 1;
        }
        if common > 0 {
            arena.push(Component { count: common, kind: Kind::Same, previous: path.last });
            path.last = Some(arena.len() - 1);
        }
        path.old_pos = old_pos;
        new_pos
    };
    let add_to_path = |path: Path, kind: Kind, old_inc: isize, arena: &mut Vec<Component>| -> Path {
        match path.last.map(|i| &arena[i]) {
            Some(last) if last.kind == kind => {
                let c = Component { count: last.count + 1, kind, previous: last.previous };
                arena.push(c);
            }
            _ => arena.push(Component { count: 1, kind, previous: path.last }),
        }
        Path { old_pos: path.old_pos + old_inc, last: Some(arena.len() - 1) }
    };

    let max_edit = old_len + new_len;
    let offset = max_edit + 1;
    let mut best: Vec<Option<Path>> = vec![None; (2 * offset + 1) as usize];
    let mut start = Path { old_pos: -1, last: None };
    let new_pos = extract_common(&mut start, 0, &mut arena);
    if start.old_pos + 1 >= old_len && new_pos + 1 >= new_len {
        return build(&arena, start.last, old, new);
    }
    best[offset as usize] = Some(start);
    let (mut min_diag, mut max_diag) = (isize::MIN, isize::MAX);
    let mut edit = 1;
    while edit <= max_edit {
        let mut diagonal = min_diag.max(-edit);
        while diagonal <= max_diag.min(edit) {
            let at = |d: isize| (d + offset) as usize;
            let remove_path = best[at(diagonal - 1)];
            let add_path = best[at(diagonal + 1)];
            if remove_path.is_some() {
                best[at(diagonal - 1)] = None;
            }
            let can_add = add_path.is_some_and(|p| {
                let pos = p.old_pos - diagonal;
                0 <= pos && pos < new_len
            });
            let can_remove = remove_path.is_some_and(|p| p.old_pos + 1 < old_len);
            if !can_add && !can_remove {
                best[at(diagonal)] = None;
                diagonal += 2;
                continue;
            }
            // Branch from the path that got farthest in the old text.
            let mut base = match (remove_path, add_path) {
                (Some(r), Some(a)) if can_remove && !(can_add && r.old_pos < a.old_pos) => {
                    add_to_path(r, Kind::Removed, 1, &mut arena)
                }
                (Some(r), _) if !can_add => add_to_path(r, Kind::Removed, 1, &mut arena),
                (_, Some(a)) => add_to_path(a, Kind::Added, 0, &mut arena),
                (Some(r), None) => add_to_path(r, Kind::Removed, 1, &mut arena),
                (None, None) => unreachable!("one of the two paths can move"),
            };
            let new_pos = extract_common(&mut base, diagonal, &mut arena);
            if base.old_pos + 1 >= old_len && new_pos + 1 >= new_len {
                return build(&arena, base.last, old, new);
            }
            best[at(diagonal)] = Some(base);
            if base.old_pos + 1 >= old_len {
                max_diag = max_diag.min(diagonal - 1);
            }
            if new_pos + 1 >= new_len {
                min_diag = min_diag.max(diagonal + 1);
            }
            diagonal += 2;
        }
        edit += 1;
    }
    unreachable!("a diff is found within old + new edits")
}

fn build<'a>(arena: &[Component], last: Option<usize>, old: &[&'a str], new: &[&'a str]) -> Vec<(Kind, Vec<&'a str>)> {
    let mut chain = Vec::new();
    let mut at = last;
    while let Some(i) = at {
        chain.push(i);
        at = arena[i].previous;
    }
    chain.reverse();
    let (mut old_pos, mut new_pos) = (0, 0);
    let mut out = Vec::new();
    for i in chain {
        let c = &arena[i];
        let lines = match c.kind {
            Kind::Removed => {
                old_pos += c.count;
                old[old_pos - c.count..old_pos].to_vec()
            }
            Kind::Added => {
                new_pos += c.count;
                new[new_pos - c.count..new_pos].to_vec()
            }
            Kind::Same => {
                old_pos += c.count;
                new_pos += c.count;
                new[new_pos - c.count..new_pos].to_vec()
            }
        };
        out.push((c.kind, lines));
    }
    out
}

/// `createTwoFilesPatch(name, name, old, new, 'original', 'modified')`.
pub fn unified(name: &str, old: &str, new: &str) -> String {
    const CONTEXT: usize = 4;
    let (old_lines, new_lines) = (tokenize(old), tokenize(new));
    let mut runs = diff_lines(&old_lines, &new_lines);
    runs.push((Kind::Same, Vec::new()));
    let mut hunks: Vec<(usize, usize, usize, usize, Vec<String>)> = Vec::new();
    let (mut old_start, mut new_start) = (0usize, 0usize);
    let mut range: Vec<String> = Vec::new();
    let (mut old_line, mut new_line) = (1usize, 1usize);
    let context = |lines: &[&str]| lines.iter().map(|l| format!(" {l}")).collect::<Vec<_>>();
    for i in 0..runs.len() {
        let (kind, lines) = (&runs[i].0, &runs[i].1);
        if *kind != Kind::Same {
            if old_start == 0 {
                old_start = old_line;
                new_start = new_line;
                if i > 0 {
                    let prev = &runs[i - 1].1;
                    range = context(&prev[prev.len().saturating_sub(CONTEXT)..]);
                    old_start -= range.len();
                    new_start -= range.len();
                }
            }
            let sign = if *kind == Kind::Added { '+' } else { '-' };
            range.extend(lines.iter().map(|l| format!("{sign}{l}")));
            if *kind == Kind::Added {
                new_line += lines.len();
            } else {
                old_line += lines.len();
            }
        } else {
            if old_start != 0 {
                if lines.len() <= CONTEXT * 2 && i + 2 < runs.len() {
                    range.extend(context(lines));
                } else {
                    let size = lines.len().min(CONTEXT);
                    range.extend(context(&lines[..size]));
                    let hunk = (old_start, old_line - old_start + size, new_start, new_line - new_start + size);
                    hunks.push((hunk.0, hunk.1, hunk.2, hunk.3, std::mem::take(&mut range)));
                    old_start = 0;
                    new_start = 0;
                }
            }
            old_line += lines.len();
            new_line += lines.len();
        }
    }
    let mut out = vec![
        format!("Index: {name}"),
        "===================================================================".to_string(),
        format!("--- {name}\toriginal"),
        format!("+++ {name}\tmodified"),
    ];
    for (mut os, ol, mut ns, nl, lines) in hunks {
        if ol == 0 {
            os -= 1;
        }
        if nl == 0 {
            ns -= 1;
        }
        out.push(format!("@@ -{os},{ol} +{ns},{nl} @@"));
        for line in lines {
            match line.strip_suffix('\n') {
                Some(l) => out.push(l.to_string()),
                None => {
                    out.push(line);
                    out.push("\\ No newline at end of file".to_string());
                }
            }
        }
    }
    out.join("\n") + "\n"
}
