// Sign-in (SPEC §3, §16): email and password; an account with two-factor authentication is
// then asked for its 6-digit code, or one of its recovery codes (SPEC §15.1).
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { signIn } from '../session';
import { LanguageSwitch } from '../ui/LanguageSwitch';

type Step = 'password' | 'otp' | 'recovery';

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<Step>('password');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn({
        email: email.trim(),
        password,
        otp: step === 'otp' ? code.trim() : undefined,
        recovery_code: step === 'recovery' ? code.trim() : undefined,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && err.about('otp') === 'is required') {
        if (step === 'password') setStep('otp');
        else setError(step === 'recovery' ? t('signin.badRecovery') : t('signin.badCode'));
      } else if (err instanceof ApiError && err.status === 401 && step !== 'password') {
        setError(step === 'recovery' ? t('signin.badRecovery') : t('signin.badCode'));
      } else if (err instanceof ApiError && err.status === 401) {
        setError(t('signin.bad'));
      } else if (err instanceof ApiError && err.status === 429) {
        setError(t('signin.limited'));
      } else if (err instanceof ApiError && err.status === 0) {
        setError(t('error.network'));
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <div class="signin-top">
        <LanguageSwitch />
      </div>
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <p class="brand-big" aria-hidden="true">
          Crema
        </p>
        <h1 id="signin-title">{t('signin.title')}</h1>
        {step === 'password' ? (
          <>
            <label>
              {t('signin.email')}
              <input
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </label>
            <label>
              {t('signin.password')}
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </label>
          </>
        ) : (
          <>
            <p class="muted">{step === 'otp' ? t('signin.otpHelp') : t('signin.recoveryHelp')}</p>
            <label>
              {step === 'otp' ? t('signin.otp') : t('signin.recovery')}
              <input
                name={step === 'otp' ? 'otp' : 'recovery_code'}
                inputMode={step === 'otp' ? 'numeric' : 'text'}
                autoComplete="one-time-code"
                pattern={step === 'otp' ? '[0-9]{6}' : undefined}
                maxLength={step === 'otp' ? 6 : 32}
                required
                autoFocus
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
            </label>
            <button
              type="button"
              class="link"
              onClick={() => {
                setStep(step === 'otp' ? 'recovery' : 'otp');
                setCode('');
                setError('');
              }}
            >
              {step === 'otp' ? t('signin.useRecovery') : t('signin.useOtp')}
            </button>
          </>
        )}
        <p class="error" role="alert">
          {error}
        </p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
