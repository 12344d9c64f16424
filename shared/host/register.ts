import type * as functions from '@azure/functions';
import { type RegisteredFunction, resolveBindingExpression } from './function-definition';

type AppModule = Pick<typeof functions.app, 'http' | 'timer' | 'eventGrid' | 'storageQueue'>;

/**
 * Registers every definition with the real host's `app`. A `%SETTING%` expression is handed to the
 * host untouched when the setting exists (the host resolves it), and replaced by the documented
 * default when it does not, because the host refuses to index a function whose expression is unset.
 */
export function registerAll(
  app: AppModule,
  definitions: readonly RegisteredFunction[],
  env = process.env,
): void {
  const bind = (expression: string) =>
    env[expression.replaceAll('%', '')] ? expression : resolveBindingExpression(expression, env);
  for (const def of definitions) {
    switch (def.kind) {
      case 'http':
        app.http(def.name, {
          route: def.options.route,
          methods: [...def.options.methods],
          authLevel: def.options.authLevel,
          handler: def.handler,
        });
        break;
      case 'timer':
        app.timer(def.name, {
          schedule: bind(def.options.schedule),
          runOnStartup: def.options.runOnStartup ?? false,
          handler: def.handler,
        });
        break;
      case 'eventGrid':
        app.eventGrid(def.name, { handler: def.handler as functions.EventGridHandler });
        break;
      case 'storageQueue':
        app.storageQueue(def.name, {
          queueName: bind(def.options.queueName),
          connection: def.options.connection,
          handler: def.handler,
        });
        break;
    }
  }
}
