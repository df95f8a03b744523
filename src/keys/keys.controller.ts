import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { KeyAuthenticator } from '../auth/key-authenticator.service';
import { Principal } from '../auth/principal';
import { CreateKeyDto } from './create-key.dto';
import { KeyResponse, toKeyResponse } from './key.response';
import { KeysService } from './keys.service';

@ApiTags('keys')
@Controller('api/keys')
@Roles('admin')
export class KeysController {
  constructor(
    private readonly keys: KeysService,
    private readonly authenticator: KeyAuthenticator,
  ) {}

  @Post()
  @HttpCode(201)
  @Audit('key.create')
  @ApiOperation({ summary: 'Create an API key; the key is in this answer only' })
  async create(
    @Body() body: CreateKeyDto,
    @Caller() caller: Principal,
  ): Promise<KeyResponse & { key: string }> {
    const { row, key } = await this.keys.create(body, caller);
    return { ...toKeyResponse(row), key };
  }

  @Get()
  @ApiOperation({ summary: 'List the API keys (never their secrets)' })
  async list(@Caller() caller: Principal): Promise<KeyResponse[]> {
    return (await this.keys.list(caller)).map(toKeyResponse);
  }

  @Delete(':id')
  @Audit('key.revoke')
  @ApiOperation({ summary: 'Revoke an API key: 401 from then on, on every instance within 5 s' })
  async revoke(@Param('id') id: string, @Caller() caller: Principal): Promise<KeyResponse> {
    const row = await this.keys.revoke(id, caller);
    this.authenticator.forget(row.keyHash);
    return toKeyResponse(row);
  }
}
