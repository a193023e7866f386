// The maker's email to the vehicle's primary user asking them to review a data access clearance
// (as a maker mails its primary user a link to grant access in its portal).
import { translator } from '../../i18n/index.ts';
import { makerName } from './makers.ts';
import type { SimulatedClearance } from './store.ts';
import type { Views } from './views.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export function clearanceRequestMail(views: Views, clearance: SimulatedClearance, portalUrl: string): Mail {
  const t = translator(clearance.locale);
  const values = {
    vin: clearance.vin,
    app: clearance.appName ?? t('simulator:mail.unnamed_app'),
    maker: makerName(t, clearance.provider, clearance.brand),
    dataPoints: clearance.dataPoints
      .map((id) => t(`domain:dataPoints.${id}.label`, { defaultValue: id }))
      .join(', '),
    link: portalUrl,
  };
  const text = [
    t('simulator:mail.greeting'),
    t('simulator:mail.request', values),
    t('simulator:mail.data_points', values),
    `${t('simulator:mail.call_to_action', values)}\n${portalUrl}`,
    t('simulator:mail.unexpected'),
    t('simulator:mail.signature', values),
  ].join('\n\n');
  return {
    to: clearance.primaryUserHint,
    subject: t('simulator:mail.subject', values),
    text: `${text}\n`,
    html: views.render('mail.njk', clearance.locale, { ...values, dataPointList: clearance.dataPoints }),
  };
}
