// Baseline: bare Koa 3 hello-world returning a small JSON body — the practical ceiling of a Koa service here.
import Koa from 'koa';

const app = new Koa();
app.use(async (ctx) => {
  ctx.body = { active: true, hello: 'world' };
});
const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
