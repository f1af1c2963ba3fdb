export declare const PINS: {
  dynamodbLocal: string;
  moto: string;
  cfnLint: string;
  checkov: string;
  consulApi: string;
  prometheus: string;
  kubernetes: string;
};
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;
export declare function dynamodbLocalDir(): string;
export declare function motoVenv(): string;
export declare function iacLintVenv(): string;
export declare function blixardShapesTarget(): string;
export declare function blixardShapesSources(dir?: string): string[];
export declare function blixardShapesBinary(): string;
export declare function consulClientsSources(dir?: string): string[];
export declare function consulClientsDir(): string;
export declare function kubeApiserverDir(): string;
