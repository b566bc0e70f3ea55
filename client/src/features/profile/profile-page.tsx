import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ageRanges, type Demographics, type ProfileResponse } from '@anchor/shared';
import { Alert, Button, Card, ErrorMessage, Field, Loading, PageHeader } from '@/components/ui';
import { fieldErrors, formErrorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/format';
import { setUiLanguage, uiLanguages, type UiLanguage, useTranslation } from '@/i18n';
import { fetchProfile, giveConsent, patchProfile, profileQueryKey, withdrawConsent } from './profile-api';

function BasicsForm({ data }: { data: ProfileResponse }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [country, setCountry] = useState(data.profile.country ?? '');
  const [languages, setLanguages] = useState(data.profile.languages.join(', '));
  const save = useMutation({
    mutationFn: () =>
      patchProfile({
        country: country.trim() ? country.trim() : null,
        languages: languages
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      }),
    onSuccess: (result) => {
      queryClient.setQueryData(profileQueryKey, result);
      void queryClient.invalidateQueries({ queryKey: ['me', 'tasks'] }); // eligibility may have changed
    },
  });
  const errors = fieldErrors(save.error);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form" onSubmit={onSubmit}>
      <Field label={t('profile.country')} hint={t('profile.countryHint')} error={errors.country}>
        {(control) => (
          <input
            {...control}
            value={country}
            maxLength={2}
            autoComplete="country"
            onChange={(e) => setCountry(e.target.value)}
          />
        )}
      </Field>
      <Field label={t('profile.languages')} hint={t('profile.languagesHint')} error={errors.languages}>
        {(control) => <input {...control} value={languages} onChange={(e) => setLanguages(e.target.value)} />}
      </Field>
      {save.isError && <Alert>{formErrorMessage(save.error, ['country', 'languages'])}</Alert>}
      {save.isSuccess && <Alert tone="success">{t('profile.saved')}</Alert>}
      <div>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? t('profile.saving') : t('profile.save')}
        </Button>
      </div>
    </form>
  );
}

function DemographicsSection({ data }: { data: ProfileResponse }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { consent } = data.profile;
  const current = consent?.version === data.consentText.version;
  const [agreed, setAgreed] = useState(false);
  const [answers, setAnswers] = useState<Demographics>(data.profile.demographics ?? {});
  const onResult = (result: ProfileResponse) => {
    queryClient.setQueryData(profileQueryKey, result);
    setAnswers(result.profile.demographics ?? {});
  };
  const consentMutation = useMutation({ mutationFn: () => giveConsent(data.consentText.version), onSuccess: onResult });
  const withdraw = useMutation({ mutationFn: withdrawConsent, onSuccess: onResult });
  const save = useMutation({ mutationFn: () => patchProfile({ demographics: answers }), onSuccess: onResult });
  const text = (key: 'gender' | 'ethnicity' | 'religion' | 'education') => (
    <Field label={t(`profile.${key}`)}>
      {(control) => (
        <input
          {...control}
          dir="auto"
          maxLength={200}
          value={answers[key] ?? ''}
          onChange={(e) => setAnswers((a) => ({ ...a, [key]: e.target.value }))}
        />
      )}
    </Field>
  );
  return (
    <Card title={t('profile.demographics')}>
      <div className="consent">
        <p className="consent__text">{data.consentText.text}</p>
        <p className="consent__version">{t('profile.consentVersion', { version: data.consentText.version })}</p>
      </div>
      {consent && !current && <Alert tone="info">{t('profile.consentOutdated')}</Alert>}
      {!current ? (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (agreed) consentMutation.mutate();
          }}
        >
          <label className="checkbox">
            <input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} />
            <span>{t('profile.agree')}</span>
          </label>
          {consentMutation.isError && <ErrorMessage error={consentMutation.error} />}
          {withdraw.isSuccess && <Alert tone="success">{t('profile.withdrawn')}</Alert>}
          <div>
            <Button type="submit" variant="primary" disabled={!agreed || consentMutation.isPending}>
              {t('profile.giveConsent')}
            </Button>
          </div>
        </form>
      ) : (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <p>{t('profile.consentGiven', { date: formatDateTime(consent.givenAt), version: consent.version })}</p>
          <Field label={t('profile.ageRange')}>
            {(control) => (
              <select
                {...control}
                value={answers.ageRange ?? ''}
                onChange={(e) =>
                  setAnswers((a) => {
                    const { ageRange: _dropped, ...rest } = a;
                    const value = e.target.value as (typeof ageRanges)[number] | '';
                    return value ? { ...rest, ageRange: value } : rest;
                  })
                }
              >
                <option value="">{t('profile.noAnswer')}</option>
                {ageRanges.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('gender')}
          {text('ethnicity')}
          {text('religion')}
          {text('education')}
          {save.isError && <ErrorMessage error={save.error} />}
          {save.isSuccess && <Alert tone="success">{t('profile.saved')}</Alert>}
          <div className="judgment__actions">
            <Button type="submit" variant="primary" disabled={save.isPending}>
              {t('profile.saveAnswers')}
            </Button>
            <Button variant="danger" onClick={() => withdraw.mutate()} disabled={withdraw.isPending}>
              {t('profile.withdraw')}
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}

/** The rater's own profile: country, languages, the site's language, and demographics under explicit consent. */
export function ProfilePage() {
  const { t, language } = useTranslation();
  const profile = useQuery({ queryKey: profileQueryKey, queryFn: fetchProfile });
  return (
    <>
      <PageHeader title={t('profile.title')} description={t('profile.description')} />
      {profile.isPending && <Loading />}
      {profile.isError && <ErrorMessage error={profile.error} onRetry={() => void profile.refetch()} />}
      {profile.data && (
        <div className="profile-grid">
          <Card title={t('profile.basics')}>
            <BasicsForm data={profile.data} />
            <Field label={t('profile.uiLanguage')}>
              {(control) => (
                <select {...control} value={language} onChange={(e) => setUiLanguage(e.target.value as UiLanguage)}>
                  {uiLanguages.map((l) => (
                    <option key={l.code} value={l.code} lang={l.code}>
                      {l.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </Card>
          <DemographicsSection data={profile.data} />
        </div>
      )}
    </>
  );
}
