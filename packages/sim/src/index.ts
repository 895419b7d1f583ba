export { startSim } from './sim';
export { simCommand } from './sim-command';
export type {
  ReplaySpec,
  Sim,
  SimAccountOptions,
  SimFaults,
  SimHeaders,
  SimOptions,
  SimResponse,
  SimState,
} from './sim';
export { ccxtApiUrls } from './ccxt-urls';
export { defaultContracts } from './instruments';
export type { ListedContract } from './instruments';
export { MatchingCore } from './core/matching-core';
export type { BookTopView, DepthView, MatchingCoreOptions } from './core/matching-core';
export type { BookChanges, BookSpec, PrintedLevel } from './core/order-book';
export { SimRejection } from './core/types';
export type * from './core/types';
export type { FaultSettings, HttpErrorFault } from './server/faults';
export type { AutoDeleverageRequest } from './server/auto-deleverage-request';
export type { ApiCredentials, LateExecutionRecord, RequestRecord } from './server/rest-handler';
export type { UserAction, UserActionName, UserActionResult } from './user-actions';
export * from './market/index';
export type { ApiRestrictions } from './server/route-basics';
export { ANSWER_CATALOGUE, ERROR_ANSWER, shapeDifferences } from './server/answer-catalogue';
export type { Kind as AnswerKind, Shape as AnswerShape } from './server/answer-catalogue';
