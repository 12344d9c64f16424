/** The ARM emulator's public surface, for tests, benchmarks and the local host. */
export {
  type ArmEmulator,
  type ArmEmulatorOptions,
  type ArmWriteEvent,
  startArmEmulator,
} from './arm-emulator';
export { type Fault, FaultInjector, type FaultMatch } from './faults';
export { type ArmLocalService, armEmulatorLocalService, localArmCredential } from './local-service';
export { type LoggedRequest, RequestLog } from './request-log';
export { ROUTE_KINDS, type RouteKind } from './route-kinds';
export { type ArmSeed, type ArmSeedInput, armSeed, armSeedSchema, loadArmSeed, parseArmSeed } from './seed';
export {
  ArmWorld,
  type ConnectionRecord,
  type ConnectionSpec,
  EmulatorError,
  type PlsRecord,
  type PlsSpec,
  type PrivateEndpointRecord,
  type PrivateEndpointSpec,
} from './world';
