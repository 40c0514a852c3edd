/**
 * Every USSD gateway the service speaks. The routes mount each one, the
 * configuration reads each one's token variable. Adding a provider: its
 * descriptor file (and fixtures), then one line here.
 */
import { africasTalkingUssd } from './africastalking-ussd.js';
import { arkeselUssd } from './arkesel-ussd.js';
import { hubtelUssd } from './hubtel-ussd.js';
import { naloUssd } from './nalo-ussd.js';
import type { UssdGateway } from './ussd-gateway.js';

export const USSD_GATEWAYS: readonly UssdGateway[] = [africasTalkingUssd, hubtelUssd, arkeselUssd, naloUssd];
