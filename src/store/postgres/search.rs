//! Message search in PostgreSQL: `SearchStore` over the generated `messages.search` tsvector
//! and its GIN index (migration 007, text search configuration `discock_search`).

use postgres::types::ToSql;

use super::connect::internal;
use super::messages::with_reactions;
use super::rows::{message_columns, message_from_row, message_select};
use super::PostgresStore;
use crate::domain::{Message, UserId};
use crate::search::{highlight, Highlight, SearchQuery};
use crate::store::{SearchStore, StoreError};

impl SearchStore for PostgresStore {
    fn search(&self, query: &SearchQuery, viewer: UserId) -> Result<Vec<(Message, Highlight)>, StoreError> {
        let before = query.before.map_or(i64::MAX, |b| b.0);
        let limit = i64::from(query.limit);
        let tsquery = tsquery(query);
        let room_id = query.room_id.map(|r| r.0);
        // The statement holds only the conditions asked for, so each is planned for the filters
        // it has (a prepared statement with optional conditions would settle on one generic
        // plan for all). Who sees which room is the condition on `r`: every public room, and
        // the caller's own direct conversations.
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&before, &viewer.0];
        let mut hits = String::from(
            "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id
             WHERE m.id < $1 AND m.content <> '' AND (r.dm_a IS NULL OR $2 IN (r.dm_a, r.dm_b))",
        );
        if let Some(tsquery) = &tsquery {
            params.push(tsquery);
            hits.push_str(&format!(" AND m.search @@ to_tsquery('discock_search', ${})", params.len()));
        }
        if let Some(username) = &query.from {
            params.push(username);
            hits.push_str(&format!(" AND m.user_id = (SELECT id FROM users WHERE username_key = ${})", params.len()));
        }
        if let Some(name) = &query.room_name {
            params.push(name);
            hits.push_str(&format!(" AND m.room_id = (SELECT id FROM rooms WHERE name_key = ${})", params.len()));
        }
        if let Some(room_id) = &room_id {
            params.push(room_id);
            hits.push_str(&format!(" AND m.room_id = ${}", params.len()));
        }
        params.push(&limit);
        // One statement, so the ids found and the rows read are one snapshot.
        let sql = format!(
            "WITH hits AS ({hits} ORDER BY m.id DESC LIMIT ${}) {} WHERE m.id IN (SELECT id FROM hits) ORDER BY m.id DESC",
            params.len(),
            message_select!()
        );
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let rows = client.query(sql.as_str(), &params).map_err(internal)?;
        let messages = rows.iter().map(message_from_row).collect::<Result<Vec<_>, _>>().map_err(internal)?;
        let messages = with_reactions(client, prepared, messages, Some(viewer)).map_err(internal)?;
        Ok(messages
            .into_iter()
            .map(|message| {
                let excerpt = highlight(&message.content, query);
                (message, excerpt)
            })
            .collect())
    }
}

/// The `to_tsquery` text for the query's phrases — `('w1' <-> 'w2') & ('w3')` — or `None`
/// without any. The words are the query's folded words, quoted; `to_tsquery` stems them with
/// the configuration the index was built with.
fn tsquery(query: &SearchQuery) -> Option<String> {
    let phrases: Vec<String> = query
        .phrases
        .iter()
        .map(|phrase| {
            let words: Vec<String> = phrase.words.iter().map(|w| operand(w)).collect();
            format!("({})", words.join(" <-> "))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" & "))
}

/// One `to_tsquery` operand: the word in single quotes, with quotes and backslashes escaped.
/// (The words are letters and digits only; the escaping keeps it safe whatever they hold.)
fn operand(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_become_adjacent_operands_and_all_of_them_are_required() {
        let query = SearchQuery::parse(r#"Кошка "чёрный кот" from:bob"#).unwrap();

        assert_eq!(tsquery(&query).as_deref(), Some("('кошка') & ('черный' <-> 'кот')"));
        assert_eq!(tsquery(&SearchQuery::parse("from:bob").unwrap()), None);
        assert_eq!(operand(r"it's\"), r"'it''s\\'");
    }
}
