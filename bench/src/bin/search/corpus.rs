//! The made-up conversation the database is filled with: a chat of a Russian-speaking team that
//! mixes in English, with words drawn by a Zipf law (a few very common, a long tail), each
//! Russian word in one of its grammatical forms, some set phrases, and a few rare words that
//! appear about once in 100,000 messages. Deterministic: a seed gives the same corpus.

/// A small, fast, seeded generator (xorshift64*): enough for picking words, and no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Words by lemma, most frequent first; a Russian lemma lists its forms, one is drawn per use.
pub const LEMMAS: &[&[&str]] = &[
    &["и"],
    &["в", "во"],
    &["не"],
    &["на"],
    &["что"],
    &["я"],
    &["это"],
    &["с", "со"],
    &["а"],
    &["ты"],
    &["the"],
    &["так"],
    &["все", "всё", "всех", "всем"],
    &["как"],
    &["но"],
    &["уже"],
    &["да"],
    &["нет"],
    &["сегодня"],
    &["завтра"],
    &["сейчас"],
    &["привет"],
    &["спасибо"],
    &["можно"],
    &["надо"],
    &["вот"],
    &["if"],
    &["is"],
    &["to"],
    &["and"],
    &["ok", "okay"],
    &["работа", "работы", "работе", "работу", "работой"],
    &["задача", "задачи", "задаче", "задачу", "задачей", "задач"],
    &["проект", "проекта", "проекту", "проектом", "проекте", "проекты"],
    &["код", "кода", "коду", "кодом", "коде"],
    &["релиз", "релиза", "релизу", "релизом", "релизе"],
    &["сервер", "сервера", "серверу", "сервером", "сервере", "серверы"],
    &["база", "базы", "базе", "базу", "базой"],
    &["встреча", "встречи", "встрече", "встречу", "встречей"],
    &["вопрос", "вопроса", "вопросу", "вопросом", "вопросы"],
    &["день", "дня", "дню", "днём", "дни"],
    &["неделя", "недели", "неделе", "неделю", "неделей"],
    &["время", "времени", "временем"],
    &["человек", "человека", "люди", "людей"],
    &["кошка", "кошки", "кошке", "кошку", "кошкой", "кошек"],
    &["собака", "собаки", "собаке", "собаку", "собакой"],
    &["обед", "обеда", "обеду", "обедом", "обеде"],
    &["кофе"],
    &["дом", "дома", "дому", "домом", "доме"],
    &["город", "города", "городу", "городом", "городе"],
    &["погода", "погоды", "погоде", "погоду"],
    &["ёлка", "ёлки", "ёлке", "ёлку", "елка"],
    &["делать", "делаю", "делаешь", "делает", "делали", "сделал", "сделала"],
    &["писать", "пишу", "пишет", "написал", "написала", "напиши"],
    &["смотреть", "смотрю", "смотрит", "посмотрел", "посмотри"],
    &["думать", "думаю", "думаешь", "думает", "подумал"],
    &["работать", "работаю", "работает", "работают", "работал"],
    &["хороший", "хорошая", "хорошее", "хорошие", "хорошо"],
    &["новый", "новая", "новое", "новые", "нового"],
    &["большой", "большая", "большое", "большие"],
    &["быстрый", "быстрая", "быстро"],
    &["deploy", "deployed", "deploying", "deploys"],
    &["build", "builds", "building", "built"],
    &["test", "tests", "testing", "tested"],
    &["merge", "merged", "merging"],
    &["bug", "bugs"],
    &["fix", "fixed", "fixes", "fixing"],
    &["review", "reviews", "reviewed"],
    &["branch", "branches"],
    &["release", "released", "releases"],
    &["meeting", "meetings"],
    &["production", "prod"],
    &["docker", "kubernetes", "postgres", "redis", "rust"],
    &["ошибка", "ошибки", "ошибке", "ошибку", "ошибкой", "ошибок"],
    &["тест", "теста", "тесты", "тестов", "тестами"],
    &["ветка", "ветки", "ветке", "ветку"],
    &["логи", "логов", "логах"],
    &["пользователь", "пользователя", "пользователи", "пользователей"],
    &["клиент", "клиента", "клиенту", "клиенты"],
    &["документ", "документа", "документы", "документов"],
    &["письмо", "письма", "письму", "письмом"],
    &["звонок", "звонка", "звонку", "звонком"],
    &["утро", "утра", "утром"],
    &["вечер", "вечера", "вечером"],
    &["понедельник", "вторник", "среда", "четверг", "пятница"],
    &["москва", "Москве", "Москвы", "питер", "Питере", "Новосибирск"],
    &["отпуск", "отпуска", "отпуске", "отпуском"],
    &["деньги", "денег", "деньгами"],
    &["книга", "книги", "книгу", "книгой"],
    &["фильм", "фильма", "фильмы", "фильмов"],
    &["музыка", "музыки", "музыку", "музыкой"],
    &["чай", "чая", "чаю"],
    &["машина", "машины", "машину", "машиной"],
    &["дорога", "дороги", "дороге", "дорогу"],
    &["окно", "окна", "окне"],
    &["дверь", "двери", "дверью"],
    &["ключ", "ключа", "ключи", "ключом"],
    &["telegram", "slack", "jira", "github", "gitlab"],
    &["latency", "throughput", "cache", "index", "query", "queries"],
    &["timeout", "timeouts"],
    &["мониторинг", "мониторинга", "мониторинге"],
    &["инцидент", "инцидента", "инциденты", "инцидентов"],
    &["миграция", "миграции", "миграцию", "миграцией"],
    &["дежурство", "дежурства", "дежурстве"],
    &["праздник", "праздника", "праздники"],
    &["пицца", "пиццы", "пиццу"],
    &["футбол", "футбола", "футболом"],
    &["снег", "снега", "снегом"],
    &["дождь", "дождя", "дождём"],
];

/// Set phrases, dropped into about one message in 40.
pub const PHRASES: &[&str] = &[
    "доброе утро",
    "код ревью",
    "pull request",
    "в продакшене упало",
    "сделаю завтра",
    "созвон в пятницу",
    "merge conflict",
    "чёрная кошка",
    "хорошего вечера",
    "load balancer",
];

/// Words that appear about once in 100,000 messages each.
pub const RARE: &[&str] = &[
    "трансцендентный",
    "экзопланета",
    "палимпсест",
    "квазар",
    "идемпотентность",
    "serendipity",
    "ephemeral",
    "quokka",
    "кракозябры",
    "флогистон",
];

/// Draws lemmas by a Zipf law: rank r (from 0) with weight 1 / (r + 1).
pub struct Words {
    cumulative: Vec<f64>,
}

impl Words {
    pub fn new() -> Words {
        let mut total = 0.0;
        let cumulative = (0..LEMMAS.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Words { cumulative }
    }

    /// A lemma's rank.
    pub fn rank(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative.partition_point(|&c| c < x).min(LEMMAS.len() - 1)
    }

    /// One word form.
    pub fn word<'a>(&self, rng: &mut Rng) -> &'a str {
        let forms = LEMMAS[self.rank(rng)];
        forms[rng.below(forms.len())]
    }

    /// A message of 2 to 24 words, some capitalised, with a phrase or a rare word now and then.
    pub fn message(&self, rng: &mut Rng) -> String {
        let count = 2 + rng.below(12) + rng.below(12);
        let mut text = String::with_capacity(count * 8);
        for n in 0..count {
            if n > 0 {
                text.push(if rng.one_in(9) { ',' } else { ' ' });
                if text.ends_with(',') {
                    text.push(' ');
                }
            }
            let word = self.word(rng);
            if n == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    text.extend(first.to_uppercase());
                    text.push_str(chars.as_str());
                }
            } else {
                text.push_str(word);
            }
        }
        if rng.one_in(40) {
            text.push_str(" — ");
            text.push_str(rng.pick::<&str>(PHRASES));
        }
        if rng.one_in(10_000) {
            text.push(' ');
            text.push_str(rng.pick::<&str>(RARE));
        }
        text.push(if rng.one_in(4) { '?' } else { '.' });
        text
    }
}
