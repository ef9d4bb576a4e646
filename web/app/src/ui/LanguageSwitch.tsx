// The language of this device's app (remembered in localStorage).
import { type Locale, locales, setLocale, t, useLocale } from '../i18n';

export function LanguageSwitch() {
  const loc = useLocale();
  return (
    <label class="lang">
      <span class="visually-hidden">{t('nav.language')}</span>
      <select
        value={loc}
        aria-label={t('nav.language')}
        onChange={(e) => setLocale((e.currentTarget as HTMLSelectElement).value as Locale)}
      >
        {locales.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}

