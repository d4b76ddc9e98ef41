//! The demo the pictures show, as data only: the people and their cities, the rooms, and two days
//! of conversation in the default room. `seed.rs` plays it through the real API and WebSocket.
//!
//! User content stays Russian in every language's pictures: only the interface around it
//! changes. Times are the browser's local times (`scene.rs` picks its time zone so that "now"
//! is a little after noon), so the pictures read the same whenever they are taken.
//!
//! Replies and reactions: when the protocol has them, a `Line` gains the line it answers
//! (`reply_to: Option<usize>`, an index into `CONVERSATION`) and a `REACTIONS` list of
//! `(line index, who, emoji)` joins this file; `seed::play` sends them right after the messages,
//! at the step marked there.

/// Everyone's password (the database is thrown away with the run).
pub const PASSWORD: &str = "demo-password-1";

/// Someone who takes part: a username and the city the member list shows.
pub struct Person {
    pub name: &'static str,
    pub city: &'static str,
}

pub const PEOPLE: [Person; 6] = [
    Person { name: "Марина", city: "Самара" },
    Person { name: "Артём", city: "Москва" },
    Person { name: "Лейла", city: "Казань" },
    Person { name: "Дмитрий", city: "Новосибирск" },
    Person { name: "Ольга", city: "Калининград" },
    Person { name: "Кирилл", city: "Владивосток" },
];

/// Whose browser the chat pictures are taken in.
pub const VIEWER: &str = "Марина";
/// Who else is connected while the pictures are taken: the member list shows them online.
pub const ONLINE: [&str; 3] = ["Артём", "Лейла", "Ольга"];
/// Who is typing while the chat pictures are taken (one of `ONLINE`).
pub const TYPING: &str = "Ольга";

/// A room besides the default one, created by one of `PEOPLE`.
pub struct Room {
    pub name: &'static str,
    pub description: &'static str,
    pub created_by: &'static str,
}

/// Created in this order, so the room list shows them so.
pub const ROOMS: [Room; 4] = [
    Room {
        name: "Путешествия", description: "Куда поехать, что посмотреть и где вкусно поесть", created_by: "Ольга"
    },
    Room {
        name: "Кино", description: "Что посмотреть вечером: фильмы, сериалы, мультфильмы", created_by: "Артём"
    },
    Room {
        name: "Работа", description: "Созвоны, вакансии, удалёнка и советы по резюме", created_by: "Марина"
    },
    Room {
        name: "Книги", description: "Что читаем сейчас и что посоветуете", created_by: "Лейла"
    },
];

/// The two days of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Day {
    Yesterday,
    Today,
}

/// One message of the conversation: when (local time), who, what.
pub struct Line {
    pub day: Day,
    /// Hours, minutes, seconds.
    pub at: (u32, u32, u32),
    pub from: &'static str,
    pub text: &'static str,
}

const fn line(day: Day, at: (u32, u32, u32), from: &'static str, text: &'static str) -> Line {
    Line { day, at, from, text }
}

use Day::{Today, Yesterday};

/// The default room's conversation, oldest first. Today's part is short enough that, scrolled to
/// the newest message, even a phone shows the day separator above it; it ends before noon, the
/// scene's "now".
pub const CONVERSATION: &[Line] = &[
    line(
        Yesterday,
        (19, 42, 8),
        "Артём",
        "Всем привет! Кто-нибудь был в Калининграде зимой? Думаю съездить на Новый год",
    ),
    line(Yesterday, (19, 44, 31), "Ольга", "Я тут живу 🙂 Зимой тихо, море штормит, но очень красиво"),
    line(Yesterday, (19, 45, 2), "Ольга", "Куршская коса — обязательно, даже в декабре"),
    line(Yesterday, (19, 51, 47), "Дмитрий", "У нас в Новосибирске сегодня −28, так что любое море звучит как курорт"),
    line(Yesterday, (19, 53, 15), "Лейла", "Дмитрий, держись! В Казани пока −5 и слякоть"),
    line(Yesterday, (20, 7, 40), "Артём", "Ольга, а где лучше остановиться? Хочется в центре, но чтобы не шумно"),
    line(
        Yesterday,
        (20, 12, 26),
        "Ольга",
        "Смотри Амалиенау: старые немецкие виллы, тихие улицы, до центра минут двадцать пешком.\n\
         И сразу бери билеты в Музей Мирового океана, на праздники туда очереди",
    ),
    line(Yesterday, (20, 15, 3), "Артём", "Записал, спасибо!"),
    line(Yesterday, (20, 31, 10), "Кирилл", "А я читаю из Владивостока и завидую: до вас лететь девять часов"),
    line(Yesterday, (20, 33, 44), "Дмитрий", "Кирилл, зато у вас море круглый год 🌊"),
    line(Yesterday, (20, 40, 22), "Артём", "Кстати, в «Кино» выложил список фильмов на праздники, дополняйте"),
    line(
        Yesterday,
        (21, 5, 19),
        "Лейла",
        "Я тоже хочу к морю! Набросала маршрут на три дня: https://example.org/kaliningrad-3-dnya",
    ),
    line(Today, (10, 58, 12), "Марина", "Доброе утро! Дочитала вчерашнее про Калининград и тоже захотела 😄"),
    line(Today, (11, 3, 55), "Лейла", "Присоединяйся, Марина! Я еду в марте, можно вместе"),
    line(Today, (11, 41, 37), "Ольга", "Пишите заранее: покажу, где самые вкусные марципаны 🍬"),
    line(Today, (11, 48, 50), "Лейла", "Ольга, тогда точно едем! Марина, обсудим даты на выходных?"),
    line(Today, (11, 52, 16), "Марина", "Давай! Я свободна с субботы"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn is_person(name: &str) -> bool {
        PEOPLE.iter().any(|p| p.name == name)
    }

    #[test]
    fn the_conversation_runs_forward_in_time_over_two_days_before_noon() {
        let times: Vec<_> = CONVERSATION.iter().map(|l| (l.day, l.at)).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "each line comes after the one before: {times:?}");
        assert!(CONVERSATION.iter().any(|l| l.day == Day::Yesterday), "a day separator needs yesterday");
        let (h, m, s) = CONVERSATION.last().expect("a conversation").at;
        assert!(h < 12 && m < 60 && s < 60, "the last line is before the scene's noon");
        assert!(CONVERSATION.iter().all(|l| l.at.0 < 24 && l.at.1 < 60 && l.at.2 < 60), "real times of day");
        assert!((15..=25).contains(&CONVERSATION.len()), "a screenful or two, not a wall");
    }

    #[test]
    fn everyone_named_in_the_demo_is_one_of_the_people() {
        let named = CONVERSATION.iter().map(|l| l.from).chain(ROOMS.iter().map(|r| r.created_by));
        for name in named.chain(ONLINE).chain([VIEWER, TYPING]) {
            assert!(is_person(name), "{name} is not in PEOPLE");
        }
        assert!(ONLINE.contains(&TYPING), "whoever types is online");
        assert!(!ONLINE.contains(&VIEWER), "the viewer is online through the browser");
    }
}
