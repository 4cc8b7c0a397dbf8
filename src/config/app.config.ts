import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { validateConfig } from 'src/config/validate-config';
import { toInteger } from 'src/common/validation/query-transforms';

class AppEnvironment {
  /** Railway injects PORT; 3000 matches the Dockerfile's EXPOSE. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3000 : toInteger(value)))
  @IsInt({ message: 'must be an integer between 0 and 65535' })
  @Min(0, { message: 'must be an integer between 0 and 65535' })
  @Max(65535, { message: 'must be an integer between 0 and 65535' })
  PORT = 3000;
}

export interface AppConfig {
  readonly port: number;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateConfig(process.env, AppEnvironment);
  return { port: env.PORT };
});
