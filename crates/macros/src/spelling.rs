//! "Did you mean": the candidate nearest to a misspelled name, if it is near enough to be the
//! likely intent (an edit distance within a third of the length, at least 2).

/// The candidate nearest to `word`, if one is close.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter_map(|c| {
            let distance = strsim::levenshtein(word, c);
            (distance <= (word.len().max(c.len()) / 3).max(2)).then_some((distance, c))
        })
        .min()
        .map(|(_, c)| c)
}
