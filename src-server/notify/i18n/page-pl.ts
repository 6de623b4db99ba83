import type { RecipientPageCatalog } from './page-types';

/**
 * Polish (informal, "automat", "skrytka", "kod odbioru", as in the messages and on the kiosk). Past tenses are avoided
 * where they would need the reader's gender ("poprosiłeś/poprosiłaś").
 */
export const pagePl: RecipientPageCatalog = {
  'page.title': 'Twoja paczka',
  'expected.heading': 'Twoja paczka jest w drodze',
  'expected.body': 'Paczka {barcode} jest w drodze do automatu {kiosk}. Kod odbioru wyślemy, gdy dotrze.',
  'reach.asked': 'Prośba o skrytkę w zasięgu ręki (nie wyżej niż 120 cm) jest zapisana. Automat użyje niskiej skrytki, jeśli będzie to możliwe.',
  'reach.offer': 'Trudno Ci sięgnąć do wysokiej skrytki? Poproś o niską przed doręczeniem.',
  'reach.button': 'Potrzebuję skrytki w zasięgu ręki',
  'reach.done': 'Gotowe: automat umieści Twoją paczkę w skrytce w zasięgu ręki, jeśli będzie to możliwe.',
  'waiting.heading': 'Twoja paczka czeka',
  'waiting.body': 'Paczka {barcode} czeka w automacie {kiosk} do {deadline}.',
  'extend.label': 'Więcej czasu (jeden raz)',
  'extend.day': '{n} dzień',
  'extend.days': '{n} dni',
  'extend.button': 'Przedłuż termin odbioru',
  'extend.used': 'Jedyne przedłużenie terminu dla tej paczki zostało już wykorzystane.',
  'extend.done': 'Gotowe: paczka czeka teraz na Ciebie do {deadline}.',
  'expired.heading': 'Twoja paczka nie została odebrana na czas',
  'expired.body': 'Paczka {barcode} czekała w automacie {kiosk} dłużej, niż pozwalał termin odbioru, i wróci do nadawcy.',
  'page.private': 'Nie udostępniaj tego linku: każdy, kto go ma, może zmienić odbiór Twojej paczki.',
  'refused.NOT_WAITING': 'Więcej czasu można dostać tylko wtedy, gdy paczka czeka w skrytce.',
  'refused.ALREADY_EXTENDED': 'Termin odbioru tej paczki został już raz przedłużony.',
  'refused.TOO_MANY_DAYS': 'Wybierz jedną z podanych liczb dni.',
  'refused.LOCKER_FULL': 'Automat jest teraz prawie pełny, więc nie możemy dłużej trzymać skrytki. Odbierz paczkę do podanego terminu.',
  'refused.NOT_EXPECTED': 'O skrytkę w zasięgu ręki można poprosić tylko przed doręczeniem paczki.',
  'gone.title': 'Link jest nieaktywny',
  'gone.heading': 'Ten link już nie działa',
  'gone.body': 'Paczka została odebrana lub nie ma jej już w automacie.',
  'invalid.title': 'Nieprawidłowy link',
  'invalid.body': 'Sprawdź, czy otwierasz cały link z wiadomości.',
  'limited.title': 'Za dużo prób',
  'limited.body': 'Odczekaj minutę i spróbuj ponownie.',
};
